import type { Device } from "../backend/backend.js";
import { fromHost } from "../ops/creation.js";
import type { Tensor } from "../tensor.js";
import { fileSource, memorySource, nodeFs, readExactly } from "./byte-source.js";
import {
  missingTensorError,
  readHostTensor,
  type ByteSource,
  type DecodeOptions,
  type HostTensor,
} from "./safetensors-decode.js";
import type { SafetensorsDType } from "./safetensors-dtypes.js";
import {
  headerError,
  parseSafetensorsHeader,
  readHeaderLength,
  tensorLabel,
  type SafetensorsHeader,
} from "./safetensors-header.js";

/** Options for loading tensors from a safetensors file. */
export interface SafetensorsReadOptions extends DecodeOptions {
  /** Device the tensors are made on (the default device when omitted). */
  readonly device?: Device;
}

/** What a file says about one tensor, without reading it. */
export interface SafetensorsEntryInfo {
  /** The dtype as stored in the file. */
  readonly dtype: SafetensorsDType;
  /** The tensor's shape. */
  readonly shape: readonly number[];
  /** Bytes the tensor occupies in the file. */
  readonly byteLength: number;
}

type ClosableSource = ByteSource & { close(): Promise<void> };

/**
 * An open safetensors file: the header is parsed and checked, and tensors are read one by one on request,
 * each straight from its byte range. Close it with `close()` or `await using`.
 *
 * @example
 * ```ts
 * await using file = await openSafetensors("model.safetensors");
 * for (const name of file.keys()) console.log(name, file.info(name));
 * const w = await file.read("proj.weight");
 * ```
 */
export class SafetensorsFile implements AsyncDisposable {
  /** The validated header. */
  readonly header: SafetensorsHeader;
  #source: ClosableSource;
  #closed = false;

  /** @internal Use `openSafetensors` or `safetensorsFromBytes`. */
  constructor(header: SafetensorsHeader, source: ClosableSource) {
    this.header = header;
    this.#source = source;
  }

  /** The path (or label) the file was opened from. */
  get source(): string {
    return this.header.source;
  }

  /** The `__metadata__` strings (empty when the file has none). */
  get metadata(): Readonly<Record<string, string>> {
    return this.header.metadata;
  }

  /** Tensor names in header order. */
  keys(): string[] {
    return [...this.header.tensors.keys()];
  }

  /** True when the file holds a tensor called `name`. */
  has(name: string): boolean {
    return this.header.tensors.has(name);
  }

  /** Stored dtype, shape and byte length of tensor `name`; throws if absent. */
  info(name: string): SafetensorsEntryInfo {
    const t = this.header.tensors.get(name);
    if (!t) throw missingTensorError(this.header, name);
    return { dtype: t.dtype, shape: t.shape, byteLength: t.byteLength };
  }

  /** Reads tensor `name` into a host typed array of its loaded dtype (no tensor is made). */
  async readHost(name: string, options: DecodeOptions = {}): Promise<HostTensor> {
    if (this.#closed) throw headerError(this.source, name, "cannot read: the file was closed");
    try {
      return await readHostTensor(this.#source, this.header, name, options);
    } catch (e) {
      throw this.#named(name, e);
    }
  }

  /** Reads tensor `name` as a tensor on `options.device`. */
  async read(name: string, options: SafetensorsReadOptions = {}): Promise<Tensor> {
    const host = await this.readHost(name, options);
    try {
      return fromHost(host.data, host.dtype, host.shape, options.device);
    } catch (e) {
      throw this.#named(name, e);
    }
  }

  /** `e` with the file and tensor named in its message (unchanged if it already names the file). */
  #named(name: string, e: unknown): Error {
    if (e instanceof Error && e.message.startsWith(`${this.source}: `)) return e;
    const why = e instanceof Error ? e.message : String(e);
    return new Error(`${this.source}: ${tensorLabel(name)}: ${why}`, { cause: e });
  }

  /** Closes the file (idempotent). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#source.close();
  }

  /** Closes the file at the end of an `await using` block. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** Opens a safetensors file, reading and validating only its header. */
export async function openSafetensors(path: string): Promise<SafetensorsFile> {
  const fs = await nodeFs();
  const handle = await fs.open(path, "r");
  try {
    const { size } = await handle.stat();
    const prefix = new Uint8Array(Math.min(size, 8));
    await readExactly(handle, prefix, 0);
    const headerLength = readHeaderLength(prefix, size, path);
    const head = new Uint8Array(8 + headerLength); // bounded by the checks above
    await readExactly(handle, head, 0);
    const header = parseSafetensorsHeader(head, size, path);
    return new SafetensorsFile(header, { ...fileSource(handle), close: () => handle.close() });
  } catch (e) {
    await handle.close();
    if (e instanceof Error && e.message.startsWith(`${path}: `)) throw e;
    throw new Error(`${path}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

/**
 * A safetensors file held in memory (for browsers: a `fetch` result's `arrayBuffer()`, uploads, tests);
 * `source` names it in errors. The same header checks as for a path apply.
 */
export function safetensorsFromBytes(data: Uint8Array | ArrayBuffer, source = "safetensors bytes"): SafetensorsFile {
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  const header = parseSafetensorsHeader(bytes, bytes.length, source);
  return new SafetensorsFile(header, memorySource(bytes));
}
