export * from './binary.js';
export * from './connection.js';
export * from './wire.js';
