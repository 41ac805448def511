export { COMMANDS, createProgram } from './program.js';
