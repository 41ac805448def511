export * from './committee.js';
