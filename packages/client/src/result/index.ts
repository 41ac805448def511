export * from './envelope.js';
export * from './payload.js';
export * from './reconstruct.js';
