export * from './connection.js';
export * from './wire.js';
