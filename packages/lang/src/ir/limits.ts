/**
 * Bounds on everything a module may declare. A node decodes IR from the network: these keep the memory
 * and time it spends on any byte string small and predictable.
 */
export const LIMITS = {
  moduleBytes: 4 << 20,
  nameLength: 64,
  signatureLength: 256,
  stateVariables: 256,
  functions: 256,
  inputs: 256,
  outputs: 256,
  callArguments: 32,
  instructions: 1 << 18,
  concatParts: 4096,
  /** The sum of all register lengths of one function: bounds the interpreter's memory. */
  elementsPerFunction: 1 << 22,
} as const;
