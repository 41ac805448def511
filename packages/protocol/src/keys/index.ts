export * from './keys.js';
export * from './provider.js';
