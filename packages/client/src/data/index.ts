export * from './client.js';
export * from './reconstruct.js';
