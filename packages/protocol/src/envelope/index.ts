export * from './context.js';
export * from './seal.js';
