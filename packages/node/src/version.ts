/** The node's software version (kept equal to package.json's). */
export const NODE_VERSION = '0.1.0';
