/**
 * Random access to the bytes of a checkpoint, from memory or from a file. Every read is checked against the
 * source's size before anything is allocated or read, so an offset or length taken from a corrupted header is
 * an error, never an out-of-range read, a huge allocation, or an exception thrown outside the caller's promise.
 */
import type { FileHandle } from "node:fs/promises";

/** Bytes readable by position. */
export interface ByteSource {
  /** Total size in bytes. */
  readonly size: number;
  /** `length` bytes from `position` (a view for in-memory sources); throws unless the range lies inside the source. */
  read(position: number, length: number, what: string): Promise<Uint8Array>;
  /** Releases the file (a no-op for bytes). */
  close(): Promise<void>;
}

// fs reads take at most 2 GiB - 1 per call; larger ranges go in pieces.
const MAX_IO_BYTES = 1 << 30;

/** Throws unless [position, position + length) is a range of a source of `size` bytes. */
export function checkRange(position: number, length: number, size: number, what: string): void {
  if (!Number.isSafeInteger(position) || !Number.isSafeInteger(length) || position < 0 || length < 0 || position + length > size) {
    throw new Error(`${what}: bytes ${position} to ${position + length} lie outside the file of ${size} bytes`);
  }
}

/** A source over bytes already in memory; reads are views, not copies. */
export function bytesSource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    async read(position, length, what) {
      checkRange(position, length, bytes.length, what);
      return bytes.subarray(position, position + length);
    },
    async close() {},
  };
}

/** A source over an open file (its size is taken once, when opened). */
export async function fileSource(handle: FileHandle): Promise<ByteSource> {
  const { size } = await handle.stat();
  let open = true;
  return {
    size,
    async read(position, length, what) {
      checkRange(position, length, size, what);
      if (!open) throw new Error(`${what}: the file is closed`);
      const out = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const want = Math.min(length - done, MAX_IO_BYTES);
        const { bytesRead } = await handle.read(out, done, want, position + done);
        if (bytesRead === 0) throw new Error(`${what}: the file ended at byte ${position + done}, before byte ${position + length} (was it truncated while open?)`);
        done += bytesRead;
      }
      return out;
    },
    async close() {
      if (!open) return;
      open = false;
      await handle.close();
    },
  };
}
