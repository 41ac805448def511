export * from './reconstruct.js';
