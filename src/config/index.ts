export * from './duration.js'
export * from './options.js'
export * from './token-file.js'
