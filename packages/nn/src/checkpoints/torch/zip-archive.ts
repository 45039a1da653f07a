/**
 * Random-access reading of a zip archive (a torch.save checkpoint) with yauzl: the central directory is read
 * once, then each entry is read on demand. From a path, a stored (uncompressed) entry, which is how torch
 * writes tensor data, is read straight from its byte range with a FileHandle, so a multi-GB checkpoint is
 * never held in memory whole; from bytes, a stored entry is a view, not a copy. Deflated entries (an archive
 * re-zipped by another tool) are inflated through yauzl's stream.
 */
import type { FileHandle } from "node:fs/promises";
import type { Entry, ZipFile } from "yauzl";
import { TorchCheckpointError } from "./errors.js";

/** An open zip archive. */
export interface ZipArchive {
  /** Entry names, in central-directory order. */
  readonly names: readonly string[];
  /** Uncompressed size of entry `name`, or undefined when there is no such entry. */
  sizeOf(name: string): number | undefined;
  /** The bytes of entry `name` (an error names a missing or unreadable entry). */
  read(name: string): Promise<Uint8Array>;
  /** Releases the file (a no-op for bytes). */
  close(): Promise<void>;
}

// fs reads take at most 2 GiB - 1 per call; larger ranges go in pieces.
const MAX_IO_BYTES = 1 << 30;

const YAUZL_OPTIONS = { lazyEntries: true, autoClose: false, decodeStrings: true, validateEntrySizes: true, strictFileNames: false };

async function loadYauzl(): Promise<typeof import("yauzl")> {
  const mod = await import("yauzl");
  return (mod as { default?: typeof import("yauzl") }).default ?? mod;
}

async function readRange(handle: FileHandle, into: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < into.length) {
    const want = Math.min(into.length - done, MAX_IO_BYTES);
    const { bytesRead } = await handle.read(into, done, want, position + done);
    if (bytesRead === 0) throw new Error(`file ended at byte ${position + done}, before byte ${position + into.length}`);
    done += bytesRead;
  }
}

async function inflate(zip: ZipFile, entry: Entry): Promise<Uint8Array> {
  // Chunks are collected rather than written into a buffer of the declared size, so that a corrupted size
  // field cannot make this allocate gigabytes up front.
  const stream = await zip.openReadStreamPromise(entry);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > entry.uncompressedSize) {
      stream.destroy();
      throw new Error(`inflates past its declared size of ${entry.uncompressedSize} bytes`);
    }
    chunks.push(chunk);
  }
  if (total !== entry.uncompressedSize) throw new Error(`inflates to ${total} bytes, not its declared ${entry.uncompressedSize}`);
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * Opens a zip archive from a path or from bytes. `label` starts every error message (the checkpoint's
 * name). Not-a-zip, truncated and corrupted archives are a {@link TorchCheckpointError}.
 */
export async function openZipArchive(source: string | Uint8Array, label: string): Promise<ZipArchive> {
  const yauzl = await loadYauzl();
  let handle: FileHandle | undefined;
  let zip: ZipFile;
  try {
    if (typeof source === "string") {
      const fs = await import("node:fs/promises");
      handle = await fs.open(source, "r");
      // autoClose false and no zip.close(): the descriptor is ours, closed through `handle` in close().
      zip = await yauzl.fromFdPromise(handle.fd, YAUZL_OPTIONS);
    } else {
      zip = await yauzl.fromBufferPromise(Buffer.from(source.buffer, source.byteOffset, source.byteLength), YAUZL_OPTIONS);
    }
  } catch (e) {
    await handle?.close();
    if (e instanceof Error && "code" in e && typeof e.code === "string" && e.code.startsWith("E")) {
      throw new TorchCheckpointError(label, `cannot open the file (${e.message})`, { cause: e });
    }
    throw new TorchCheckpointError(label, `not a readable zip archive (${(e as Error).message})`, { cause: e });
  }
  const entries = new Map<string, Entry>();
  try {
    for await (const entry of zip.eachEntry()) {
      if (!entry.fileName.endsWith("/")) entries.set(entry.fileName, entry);
    }
  } catch (e) {
    await handle?.close();
    throw new TorchCheckpointError(label, `corrupted zip central directory (${(e as Error).message})`, { cause: e });
  }

  let closed = false;

  async function readStored(entry: Entry): Promise<Uint8Array> {
    const { fileDataStart } = await zip.readLocalFileHeaderPromise(entry, { minimal: true });
    const size = entry.compressedSize;
    if (handle) {
      const out = new Uint8Array(size);
      await readRange(handle, out, fileDataStart);
      return out;
    }
    const bytes = source as Uint8Array;
    if (fileDataStart + size > bytes.length) throw new Error(`data runs past the end of the archive`);
    return bytes.subarray(fileDataStart, fileDataStart + size);
  }

  return {
    names: [...entries.keys()],
    sizeOf: (name) => entries.get(name)?.uncompressedSize,
    async read(name) {
      if (closed) throw new TorchCheckpointError(label, `archive read after close`);
      const entry = entries.get(name);
      if (!entry) throw new TorchCheckpointError(label, `the archive has no entry "${name}"`);
      try {
        if (entry.isEncrypted()) throw new Error("entry is encrypted");
        if (entry.compressionMethod === 0) return await readStored(entry);
        if (entry.compressionMethod === 8) return await inflate(zip, entry);
        throw new Error(`unsupported compression method ${entry.compressionMethod}`);
      } catch (e) {
        if (e instanceof TorchCheckpointError) throw e;
        throw new TorchCheckpointError(label, `cannot read archive entry "${name}" (${(e as Error).message})`, { cause: e });
      }
    },
    async close() {
      closed = true;
      await handle?.close();
      handle = undefined;
    },
  };
}
