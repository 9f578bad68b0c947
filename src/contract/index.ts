export * from './report.js'
export * from './map.js'
export * from './error.js'
export * from './issues.js'
