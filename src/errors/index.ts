export * from './coded-error.js'
export * from './codes.js'
