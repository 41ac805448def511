// JSON-RPC with binary attachments, for the methods that move shares (mosaic_storeData, mosaic_loadData): the
// same JSON-RPC 2.0 messages, but each byte string travels as raw bytes after the JSON instead of as base64 in
// it. A store moves about n times the data's size; as base64 in JSON, the client's encoding and the node's
// parsing and decoding of those bytes cost more CPU than the node's own checks and storage of them.
//
// Frame (HTTP body with content type BINARY_RPC_CONTENT_TYPE, both ways):
//   u32 big-endian  H, the length of the JSON text
//   H bytes         the JSON-RPC message (UTF-8); each byte string in it is {"$bytes": [offset, length]}
//   the attachments the references point into, in the order they appear in the JSON, back to back
// A decoder takes references only in that order, without gaps or overlaps, covering the attachments exactly.
// Browser-safe: no node: modules.

export const BINARY_RPC_CONTENT_TYPE = 'application/vnd.mosaic.jsonrpc+binary';

/** Byte strings in one message at most (a store request carries one per member). */
export const MAX_BINARY_REFS = 4096;

export class BinaryRpcFormatError extends Error {
  override name = 'BinaryRpcFormatError';
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Frames `message`: every Uint8Array in it becomes an attachment; bigints become decimal strings (as in JSON). */
export function encodeBinaryRpc(message: unknown): Uint8Array {
  const attachments: Uint8Array[] = [];
  let length = 0;
  // A walk before JSON.stringify, not a replacer: Node's Buffer has toJSON, which runs before any replacer.
  const extract = (value: unknown): unknown => {
    if (value instanceof Uint8Array) {
      const ref = { $bytes: [length, value.length] };
      attachments.push(value);
      length += value.length;
      return ref;
    }
    if (typeof value === 'bigint') return value.toString();
    if (Array.isArray(value)) return value.map(extract);
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, v] of Object.entries(value)) if (v !== undefined) out[key] = extract(v);
      return out;
    }
    return value;
  };
  const header = encoder.encode(JSON.stringify(extract(message)));
  const frame = new Uint8Array(4 + header.length + length);
  new DataView(frame.buffer).setUint32(0, header.length);
  frame.set(header, 4);
  let at = 4 + header.length;
  for (const a of attachments) {
    frame.set(a, at);
    at += a.length;
  }
  return frame;
}

/**
 * The message in `frame`, each reference replaced by a view of its bytes (no copy). Throws
 * BinaryRpcFormatError for a frame that breaks the format in any way (lengths, UTF-8, JSON, references).
 */
export function decodeBinaryRpc(frame: Uint8Array): unknown {
  if (frame.length < 4) throw new BinaryRpcFormatError('frame shorter than its length prefix');
  const headerLength = new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getUint32(0);
  if (headerLength > frame.length - 4) throw new BinaryRpcFormatError('JSON length exceeds the frame');
  let text: string;
  try {
    text = decoder.decode(frame.subarray(4, 4 + headerLength));
  } catch {
    throw new BinaryRpcFormatError('JSON part is not UTF-8');
  }
  const attachments = frame.subarray(4 + headerLength);
  let next = 0;
  let refs = 0;
  let message: unknown;
  try {
    message = JSON.parse(text, (_key, value: unknown) => {
      if (value === null || typeof value !== 'object' || Array.isArray(value) || !('$bytes' in value)) return value;
      const ref = (value as { $bytes: unknown }).$bytes;
      if (
        Object.keys(value).length !== 1 ||
        !Array.isArray(ref) ||
        ref.length !== 2 ||
        !Number.isSafeInteger(ref[0]) ||
        !Number.isSafeInteger(ref[1])
      ) {
        throw new BinaryRpcFormatError('a byte reference is {"$bytes": [offset, length]}');
      }
      const [offset, length] = ref as [number, number];
      if (++refs > MAX_BINARY_REFS) throw new BinaryRpcFormatError(`more than ${MAX_BINARY_REFS} byte references`);
      if (offset !== next || length < 0 || offset + length > attachments.length) {
        throw new BinaryRpcFormatError('byte references must cover the attachments in order, without gaps');
      }
      next = offset + length;
      return attachments.subarray(offset, next);
    });
  } catch (error) {
    if (error instanceof BinaryRpcFormatError) throw error;
    throw new BinaryRpcFormatError('JSON part is not valid JSON');
  }
  if (next !== attachments.length) throw new BinaryRpcFormatError('attachment bytes that no reference names');
  return message;
}
