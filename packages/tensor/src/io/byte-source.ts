import type { FileHandle } from "node:fs/promises";
import type { ByteSource } from "./safetensors-decode.js";

// fs reads and writes take at most 2 GiB - 1 per call; larger ranges go in pieces.
const MAX_IO_BYTES = 1 << 30;

/** A ByteSource over an in-memory file. */
export function memorySource(bytes: Uint8Array): ByteSource & { close(): Promise<void> } {
  return {
    async read(into, position) {
      if (position + into.length > bytes.length) {
        throw new Error(`bytes ${position}..${position + into.length} lie past the end (${bytes.length} bytes)`);
      }
      into.set(bytes.subarray(position, position + into.length));
    },
    async close() {},
  };
}

/** The `node:fs/promises` module, loaded on first use so that browser bundles never need it. */
export async function nodeFs(): Promise<typeof import("node:fs/promises")> {
  return import("node:fs/promises");
}

/** Reads exactly `into.length` bytes at `position` from an open file; throws if the file ends first. */
export async function readExactly(handle: FileHandle, into: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < into.length) {
    const want = Math.min(into.length - done, MAX_IO_BYTES);
    const { bytesRead } = await handle.read(into, done, want, position + done);
    if (bytesRead === 0) {
      throw new Error(`file ended at byte ${position + done}, before byte ${position + into.length} (was it truncated?)`);
    }
    done += bytesRead;
  }
}

/** Writes all of `bytes` at the file's current position. */
export async function writeFully(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, done, Math.min(bytes.length - done, MAX_IO_BYTES));
    if (bytesWritten === 0) throw new Error(`write made no progress at byte ${done} of ${bytes.length}`);
    done += bytesWritten;
  }
}

/** A ByteSource over an open file. */
export function fileSource(handle: FileHandle): ByteSource {
  return { read: (into, position) => readExactly(handle, into, position) };
}
