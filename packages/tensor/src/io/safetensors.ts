/**
 * safetensors read and write. The format: an 8-byte little-endian header length N, N bytes of UTF-8 JSON
 * mapping tensor names to `{dtype, shape, data_offsets}` (plus an optional `__metadata__` string map), then
 * the raw little-endian, row-major tensor data.
 */
import type { Device } from "../backend/backend.js";
import type { DType, TypedArray } from "../dtype.js";
import type { Tensor } from "../tensor.js";
import { nodeFs, writeFully } from "./byte-source.js";
import { missingTensorError } from "./safetensors-decode.js";
import { encodeTensorData, planSafetensors, type EncodePlan, type FloatStorageDType } from "./safetensors-encode.js";
import { openSafetensors, safetensorsFromBytes } from "./safetensors-file.js";

export type { SafetensorsDType } from "./safetensors-dtypes.js";
export type { HostTensor } from "./safetensors-decode.js";
export type { FloatStorageDType } from "./safetensors-encode.js";
export {
  MAX_HEADER_DEPTH,
  MAX_HEADER_LENGTH,
  MAX_METADATA_ENTRIES,
  MAX_TENSOR_RANK,
  MAX_TENSORS,
  parseSafetensorsHeader,
  type SafetensorsHeader,
  type SafetensorsTensorInfo,
} from "./safetensors-header.js";
export {
  openSafetensors,
  safetensorsFromBytes,
  SafetensorsFile,
  type SafetensorsEntryInfo,
  type SafetensorsReadOptions,
} from "./safetensors-file.js";

/** Options of {@link readSafetensors}. */
export interface ReadSafetensorsOptions {
  /** Device the tensors are made on. */
  readonly device?: Device;
  /** Read only these tensors (an absent name is an error). */
  readonly names?: readonly string[];
  /** Load floating-point tensors as float32 (rounds F64), or as float16 (rounds F32, F64 and BF16). */
  readonly dtype?: "float32" | "float16";
}

/** Tensors and metadata of a safetensors file. */
export interface SafetensorsContents {
  /** The tensors by name. */
  readonly tensors: Record<string, Tensor>;
  /** The header's `__metadata__` (empty when absent). */
  readonly metadata: Record<string, string>;
}

/**
 * Reads a safetensors file (a path, or the file's bytes as a Uint8Array or ArrayBuffer). From a path only the
 * header is read whole; each tensor is then read from its own byte range, so a large file is never held in
 * memory twice. Every source gets the same strict header checks (see `parseSafetensorsHeader`).
 * Loaded dtypes: F32 -> float32, F64 -> float64, F16/BF16 -> float32 (exact), I64/I32/I16/I8 and
 * U64/U32/U16/U8 -> int32 (a value outside int32 is an error naming the tensor), BOOL -> bool. Errors name
 * the file, the tensor and the field.
 */
export async function readSafetensors(
  source: string | Uint8Array | ArrayBuffer,
  options: ReadSafetensorsOptions = {},
): Promise<SafetensorsContents> {
  const file = typeof source === "string" ? await openSafetensors(source) : safetensorsFromBytes(source);
  // No prototype, so lookups of absent names give undefined (names in the file never have a segment
  // __proto__, constructor or prototype: the header check refuses them).
  const tensors = Object.create(null) as Record<string, Tensor>;
  try {
    const names = options.names ? [...new Set(options.names)] : file.keys();
    for (const name of names) if (!file.has(name)) throw missingTensorError(file.header, name);
    for (const name of names) tensors[name] = await file.read(name, options);
    return { tensors, metadata: { ...file.metadata } };
  } catch (e) {
    for (const t of Object.values(tensors)) t.dispose();
    throw e;
  } finally {
    await file.close();
  }
}

/** Options of {@link writeSafetensors} and {@link serializeSafetensors}. */
export interface WriteSafetensorsOptions {
  /** String metadata stored under `__metadata__`. */
  readonly metadata?: Readonly<Record<string, string>>;
  /** Storage dtype per floating-point tensor (default: F32 for float32, F64 for float64, F16 for float16). */
  readonly dtypes?: Readonly<Record<string, FloatStorageDType>>;
}

function plan(tensors: Record<string, Tensor>, options: WriteSafetensorsOptions, target: string): EncodePlan {
  const inputs = Object.keys(tensors).map((name) => {
    const t = tensors[name]!;
    t.assertLive(`writeSafetensors ${JSON.stringify(name)}`);
    return { name, dtype: t.dtype, shape: t.shape };
  });
  return planSafetensors(inputs, options.metadata, options.dtypes, target);
}

/** The bytes of a safetensors file holding `tensors` (for browsers, uploads and tests). */
export async function serializeSafetensors(
  tensors: Record<string, Tensor>,
  options: WriteSafetensorsOptions = {},
): Promise<Uint8Array> {
  const layout = plan(tensors, options, "serializeSafetensors");
  const out = new Uint8Array(layout.fileSize);
  out.set(layout.header, 0);
  let at = layout.header.length;
  for (const t of layout.tensors) {
    out.set(encodeTensorData(t, await tensors[t.name]!.data(), "serializeSafetensors"), at);
    at += t.byteLength;
  }
  return out;
}

/**
 * Writes `tensors` to a safetensors file at `target`, atomically: the data goes to a temporary file in the
 * same folder, which is flushed and then renamed over `target`, so readers never see a partial file.
 * Tensors are read back from their device one at a time.
 */
export async function writeSafetensors(
  target: string,
  tensors: Record<string, Tensor>,
  options: WriteSafetensorsOptions = {},
): Promise<void> {
  await writeLayout(target, plan(tensors, options, target), (name) => tensors[name]!.data());
}

/** A tensor for {@link writeSafetensorsStream}: name, dtype and shape up front, the data only when it is written. */
export interface StreamedTensor {
  /** Name in the file. */
  readonly name: string;
  /** Dtype of the values `data()` gives (float32 values may be stored as F16/BF16 through `options.dtypes`). */
  readonly dtype: DType;
  /** Shape. */
  readonly shape: readonly number[];
  /** The values, row-major, `numel` of them; called once, when the tensor's turn comes. */
  data(): TypedArray | Promise<TypedArray>;
}

/**
 * {@link writeSafetensors} for data made on demand: the header is planned from names, dtypes and shapes, then
 * each tensor's `data()` is called and written in file order, so only one tensor's values are in memory at a
 * time (multi-GB files from generated or converted data). Atomic in the same way.
 */
export async function writeSafetensorsStream(target: string, tensors: readonly StreamedTensor[], options: WriteSafetensorsOptions = {}): Promise<void> {
  const byName = new Map(tensors.map((t) => [t.name, t]));
  if (byName.size !== tensors.length) throw new Error(`${target}: a tensor name is given twice`);
  const layout = planSafetensors(
    tensors.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape })),
    options.metadata,
    options.dtypes,
    target,
  );
  await writeLayout(target, layout, async (name) => {
    const t = byName.get(name)!;
    const data = await t.data();
    let numel = 1;
    for (const d of t.shape) numel *= d;
    if (data.length !== numel) throw new Error(`${target}: tensor ${JSON.stringify(name)} gave ${data.length} values for shape [${t.shape.join(", ")}] (${numel})`);
    return data;
  });
}

async function writeLayout(target: string, layout: EncodePlan, dataOf: (name: string) => Promise<TypedArray>): Promise<void> {
  const fs = await nodeFs();
  const { dirname, basename, join } = await import("node:path");
  const temp = join(dirname(target), `.${basename(target)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  const handle = await fs.open(temp, "wx").catch((e: unknown) => {
    throw new Error(`${target}: cannot create a temporary file next to it (${e instanceof Error ? e.message : String(e)})`, {
      cause: e,
    });
  });
  let closed = false;
  try {
    await writeFully(handle, layout.header);
    for (const t of layout.tensors) {
      await writeFully(handle, encodeTensorData(t, await dataOf(t.name), target));
    }
    await handle.sync();
    closed = true;
    await handle.close();
    await fs.rename(temp, target);
  } catch (e) {
    if (!closed) await handle.close().catch(() => undefined);
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw e;
  }
}
