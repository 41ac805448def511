/**
 * Writing a file only the node's user may read: created 0600 from its first byte (never readable by others, even
 * for an instant), fsynced, then renamed over the old one, so a crash leaves the old file or the new, never half
 * of one. Keys, the at-rest keyring and the operator token are written this way.
 */
import { randomBytes } from 'node:crypto';
import { open as openFile, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

export async function writePrivateFile(file: string, text: string, options: { syncDir?: boolean } = {}): Promise<void> {
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await openFile(temp, 'wx', 0o600);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, file);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
  if (!options.syncDir) return;
  // The rename is durable once the directory is.
  const dir = await openFile(dirname(file), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
