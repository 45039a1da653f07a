/**
 * Random-access reading of a zip archive (a torch.save checkpoint) with this folder's strict zip reader
 * (zip/zip-directory.ts): the directory is read and checked once, then each entry is read on demand. From a
 * path, entries are read from their byte ranges with a FileHandle, so a multi-GB checkpoint is never held in
 * memory whole; from bytes, a stored entry is a view, not a copy. Deflated entries (an archive re-zipped by
 * another tool) are inflated to their declared size and no further. Every entry read is checked against its
 * CRC-32.
 */
import { TorchCheckpointError } from "./errors.js";
import { bytesSource, fileSource, type ByteSource } from "./zip/byte-source.js";
import { loadCrc32 } from "./zip/crc32.js";
import { inflateExactly } from "./zip/inflate.js";
import { readZipDirectory, ZipFormatError, type ZipEntry } from "./zip/zip-directory.js";

/** What a reader expects of an entry's size. */
interface ZipReadOptions {
  /** The entry must hold exactly this many bytes (a storage: numel x itemsize). */
  readonly size?: number;
  /** The entry may hold at most this many bytes. */
  readonly maxSize?: number;
}

/** An open zip archive. */
export interface ZipArchive {
  /** Entry names (folders left out), in central-directory order. */
  readonly names: readonly string[];
  /** Uncompressed size of entry `name`, or undefined when there is no such entry. */
  sizeOf(name: string): number | undefined;
  /** The bytes of entry `name`, checked against `options` and its CRC-32 (an error names the entry). */
  read(name: string, options?: ZipReadOptions): Promise<Uint8Array>;
  /** Releases the file (a no-op for bytes). */
  close(): Promise<void>;
}

async function openSource(source: string | Uint8Array, label: string): Promise<ByteSource> {
  if (typeof source !== "string") return bytesSource(source);
  try {
    const fs = await import("node:fs/promises");
    const handle = await fs.open(source, "r");
    try {
      return await fileSource(handle);
    } catch (e) {
      await handle.close();
      throw e;
    }
  } catch (e) {
    throw new TorchCheckpointError(label, `cannot open the file (${(e as Error).message})`, { cause: e });
  }
}

function hex(n: number): string {
  return n.toString(16).padStart(8, "0");
}

/**
 * Opens a zip archive from a path or from bytes. `label` starts every error message (the checkpoint's
 * name). Not-a-zip, truncated and corrupted archives are a {@link TorchCheckpointError}.
 */
export async function openZipArchive(source: string | Uint8Array, label: string): Promise<ZipArchive> {
  const src = await openSource(source, label);
  const entries = new Map<string, ZipEntry>();
  try {
    for (const e of await readZipDirectory(src)) if (!e.name.endsWith("/")) entries.set(e.name, e);
  } catch (e) {
    await src.close();
    const detail = e instanceof ZipFormatError && e.part === "directory" ? "corrupted zip central directory" : "not a readable zip archive";
    throw new TorchCheckpointError(label, `${detail} (${(e as Error).message})`, { cause: e });
  }
  let closed = false;

  async function readEntry(entry: ZipEntry, options: ZipReadOptions): Promise<Uint8Array> {
    if (entry.encrypted) throw new Error("entry is encrypted");
    if (entry.method !== 0 && entry.method !== 8) throw new Error(`unsupported compression method ${entry.method}`);
    if (options.size !== undefined && entry.uncompressedSize !== options.size) {
      throw new Error(`holds ${entry.uncompressedSize} bytes, but ${options.size} are expected`);
    }
    if (options.maxSize !== undefined && entry.uncompressedSize > options.maxSize) {
      throw new Error(`holds ${entry.uncompressedSize} bytes, more than the ${options.maxSize} accepted`);
    }
    const raw = await src.read(entry.dataStart, entry.compressedSize, `entry "${entry.name}"`);
    const data = entry.method === 0 ? raw : await inflateExactly(raw, entry.uncompressedSize);
    const crc = (await loadCrc32())(data);
    if (crc !== entry.crc32) throw new Error(`CRC-32 mismatch (the archive says ${hex(entry.crc32)}, the data has ${hex(crc)}): the entry is corrupted`);
    return data;
  }

  return {
    names: [...entries.keys()],
    sizeOf: (name) => entries.get(name)?.uncompressedSize,
    async read(name, options = {}) {
      if (closed) throw new TorchCheckpointError(label, `archive read after close`);
      const entry = entries.get(name);
      if (!entry) throw new TorchCheckpointError(label, `the archive has no entry "${name}"`);
      try {
        return await readEntry(entry, options);
      } catch (e) {
        throw new TorchCheckpointError(label, `cannot read archive entry "${name}" (${(e as Error).message})`, { cause: e });
      }
    },
    async close() {
      closed = true;
      await src.close();
    },
  };
}
