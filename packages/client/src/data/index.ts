export * from './cipher.js';
export * from './client.js';
export * from './format.js';
export * from './reconstruct.js';
