export * from './duration.js'
export * from './options.js'
