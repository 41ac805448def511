export * from './binding.js';
export * from './layout.js';
export * from './payload.js';
export * from './requests.js';
export * from './seeded-shares.js';
