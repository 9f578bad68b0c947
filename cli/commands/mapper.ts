import { mapperOptions } from '../../mapper/config.js'
import { componentCommand } from './component.js'

export const mapperCommand = componentCommand('mapper', mapperOptions, async () => (await import('../../mapper/main.js')).runMapper)
