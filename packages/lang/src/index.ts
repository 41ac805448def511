/**
 * @mosaic/lang: Mosaic's secret-contract language. Contracts are TypeScript modules written against a small
 * DSL; compile() traces them into a typed, scheduled IR with a canonical encoding (its keccak256 is the code
 * hash); a node validates untrusted IR with decodeModule() and runs it with execute() over @mosaic/mpc.
 * Browser-safe: no Node.js module is imported.
 */

export { decodePublicOutputs, encodeCallData, encodePublicOutputs, publicOutputAbiTypes } from './codec/abi.js';
export { canonicalCallSignature, selectorOf, signatureOf } from './codec/selector.js';
export {
  CodecError,
  DEFAULT_STORED_COMMITTEE,
  decodeOutputs,
  decodeStoredRef,
  decodeValue,
  type EncodedArgs,
  encodeArgs,
  encodeStoredRef,
  encodeValue,
  functionIr,
  type JsValue,
  privateOutputSizes,
  publicArgElements,
  STORED_ARG_ELEMENTS,
  type StoredInputRef,
} from './codec/values.js';
// the compiler
export { compile, loadContract } from './compiler/compile.js';
export type { CompiledContract, CompiledFunction } from './compiler/compiled.js';
export { CompileError } from './compiler/errors.js';
// cost model and interpreter
export { type Committee, carryTreeLevels } from './cost/engine-costs.js';
export { costOf, costOfFunction, DEFAULT_COMMITTEE, type FunctionCost, GAS, gasOf } from './cost/model.js';
// the DSL
export {
  array,
  type ContractDefinition,
  constants,
  contract,
  EthereumCall,
  ethereum,
  type FunctionDef,
  type FunctionMap,
  fn,
  max,
  min,
  type Outputs,
  reveal,
  type SpecMap,
  type StateVars,
  select,
  state,
  type TracedArgs,
  type TracedOfSpec,
  type ValueOfTraced,
} from './dsl/contract.js';
export {
  type ArraySpec,
  type JsScalar,
  pub,
  type ScalarSpec,
  type Spec,
  type StoredRef,
  type StoredSpec,
  secret,
  stored,
  type ValueOfSpec,
} from './dsl/specs.js';
export { type Literal, type Operand, Traced, Val, Vec } from './dsl/values.js';
export { ExecutionError } from './interpreter/errors.js';
export {
  type CallOutcome,
  type EthereumCallResult,
  type ExecuteInput,
  type ExecuteResult,
  type ExecuteStats,
  execute,
  executeMany,
} from './interpreter/execute.js';
export { checkedInputs, InputRangeError, rangeOf } from './interpreter/input-check.js';
// the IR
export { decodeStructure, encodeModule } from './ir/encoding.js';
export { IrError } from './ir/errors.js';
export { codeHashOf, type Hex } from './ir/hash.js';
export { LIMITS } from './ir/limits.js';
export type {
  CallOutput,
  FunctionIr,
  InputDecl,
  Instruction,
  IrModule,
  OpName,
  OutputDecl,
  StateDecl,
  StateUpdate,
  ValueOutput,
  Visibility,
} from './ir/module.js';
export { IR_VERSION, Op } from './ir/module.js';
export { type BatchKind, type Layer, type Schedule, schedule } from './ir/schedule.js';
export {
  abiType,
  type DeclaredType,
  elementCount,
  FIXED_FRACTION_BITS,
  FIXED_TOTAL_BITS,
  formatDeclared,
  type RegisterType,
  type ScalarKind,
} from './ir/types.js';
export { decodeModule, type ValidatedFunction, type ValidatedModule, validateModule } from './ir/validate.js';
export { type SimulateOptions, type SimulateResult, simulate } from './simulate.js';
// client-facing types and codecs
export type {
  AnyContract,
  ArgsOf,
  FunctionName,
  FunctionsOf,
  PrivateResultOf,
  PublicResultOf,
  ResultOf,
} from './types.js';
