/**
 * Finds the contract author's line in a stack trace: the first frame outside this package and outside the
 * JavaScript runtime. Stacks are V8's ("    at fn (file:line:col)"); other engines give no location, and
 * errors then say which function and operation failed without a line. Under Node, source maps (enabled with
 * --enable-source-maps or process.setSourceMapsEnabled) turn the lines into those of the TypeScript source.
 */

/** The directory of this package's compiled sources (…/dist/src/ or …/src/), from this module's URL. */
const PACKAGE_ROOT = (() => {
  try {
    const here = new URL('.', import.meta.url).href; // …/src/compiler/
    return new URL('..', here).href.replace(/^file:\/\//, '');
  } catch {
    return undefined;
  }
})();

const FRAME = /\(?((?:file:\/\/|\/|[A-Za-z]:\\|https?:\/\/)[^()\s]*?):(\d+):(\d+)\)?$/;

/** "file:line:col" of the first stack frame outside this package, or undefined. */
export function callSite(stack: string | undefined = deepStack()): string | undefined {
  if (!stack) return undefined;
  for (const line of stack.split('\n').slice(1)) {
    const m = line.trim().match(FRAME);
    if (!m) continue;
    const file = m[1].replace(/^file:\/\//, '');
    if (PACKAGE_ROOT && file.startsWith(PACKAGE_ROOT)) continue;
    if (file.startsWith('node:') || file.includes('/node_modules/@mosaic/lang/')) continue;
    return `${file}:${m[2]}:${m[3]}`;
  }
  return undefined;
}

/** A stack deep enough to get past this package's frames (the default limit is 10 frames). */
function deepStack(): string | undefined {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 40;
  try {
    return new Error().stack;
  } finally {
    Error.stackTraceLimit = limit;
  }
}
