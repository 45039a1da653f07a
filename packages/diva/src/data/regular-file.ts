import { constants, type Stats } from "node:fs";
import { open, stat, type FileHandle } from "node:fs/promises";
import { formatBytes } from "./limits.js";

function kindOf(s: Stats): string {
  if (s.isFIFO()) return "a FIFO";
  if (s.isCharacterDevice()) return "a character device";
  if (s.isBlockDevice()) return "a block device";
  if (s.isDirectory()) return "a directory";
  if (s.isSocket()) return "a socket";
  return "not a regular file";
}

// O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever (in libuv's thread pool,
// where no timeout can reach it). It changes nothing for regular files. Windows has no such flag.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/**
 * Opens `path` for reading only if it is a regular file (symbolic links are followed): stat first, then open
 * without blocking and fstat the opened handle, so a FIFO, device, socket or directory (or a file swapped for
 * one in between) is refused with an error naming it instead of hanging or streaming forever.
 */
export async function openRegularFile(path: string): Promise<{ handle: FileHandle; size: number }> {
  const before = await stat(path);
  if (!before.isFile()) throw new Error(`${path}: is ${kindOf(before)}, not a regular file`);
  const handle = await open(path, OPEN_FLAGS);
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new Error(`${path}: is ${kindOf(info)}, not a regular file`);
    return { handle, size: info.size };
  } catch (e) {
    await handle.close().catch(() => undefined);
    throw e;
  }
}

/**
 * Reads a regular file of at most `maxBytes` bytes (see {@link openRegularFile}); a larger file is refused
 * before any of it is read, and a file that grows while being read is never read past `maxBytes`.
 */
export async function readRegularFile(path: string, maxBytes: number, option = "maxImageBytes"): Promise<Uint8Array> {
  const { handle, size } = await openRegularFile(path);
  try {
    if (size > maxBytes) throw new Error(`${path}: ${formatBytes(size)}, over the limit of ${formatBytes(maxBytes)} (raise it with ${option})`);
    const out = new Uint8Array(size);
    let done = 0;
    while (done < size) {
      const { bytesRead } = await handle.read(out, done, size - done, done);
      if (bytesRead === 0) break; // the file shrank: decoding the part read reports it
      done += bytesRead;
    }
    return done === size ? out : out.subarray(0, done);
  } finally {
    await handle.close().catch(() => undefined);
  }
}
