export * from './format.js';
export * from './public-args.js';
export * from './shares.js';
export * from './task-bundle.js';
