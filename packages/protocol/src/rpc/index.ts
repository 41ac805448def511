// One schema per JSON-RPC method and topic of the node (params and result), and the values they are built from.
// The node validates params with them; the client parses answers with them.
export * from './core.js';
export * from './storage.js';
export * from './tasks.js';
export * from './values.js';
