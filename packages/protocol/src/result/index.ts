export * from './envelope.js';
export * from './payload.js';
