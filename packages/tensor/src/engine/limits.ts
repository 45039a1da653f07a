/**
 * The per-tensor size limit: every new tensor's storage is checked against it before anything is allocated,
 * so a mistaken shape (`zeros([2 ** 31])`, a broadcast to 2^40 elements) fails at once with an error naming
 * the op, the shape and the bytes, instead of growing the process by gigabytes or failing deep in the JS
 * engine without the op's name.
 *
 * The limit is, per tensor: `setMaxTensorBytes(n)` if called, else the environment variable
 * `DIVA_MAX_TENSOR_BYTES` (bytes, or with a unit: `8GiB`, `512MiB`, `1e9`), else the device's default:
 * 4 GiB on the CPU, and on WebGPU the largest buffer a kernel can bind (the adapter's
 * `min(maxBufferSize, maxStorageBufferBindingSize)`, which the backend enforces in any case).
 */
import type { Device } from "../backend/backend.js";
import { bytesPerElement, type DType } from "../dtype.js";
import { fmt, type Shape } from "../shape.js";
import { getBackend } from "./backends.js";
import { divaEnv } from "../env.js";

/** Default per-tensor limit of devices that report no limit of their own (the CPU): 4 GiB. */
export const DEFAULT_MAX_TENSOR_BYTES = 4 * 2 ** 30;

const ENV = "DIVA_MAX_TENSOR_BYTES" as const;
let explicit: number | undefined;
/** The environment variable's value, read once (process.env is slow to read on every op). */
let envCache: { readonly value: number | undefined } | undefined;

const UNITS: Record<string, number> = { "": 1, b: 1, k: 1e3, kb: 1e3, kib: 2 ** 10, m: 1e6, mb: 1e6, mib: 2 ** 20, g: 1e9, gb: 1e9, gib: 2 ** 30, t: 1e12, tb: 1e12, tib: 2 ** 40 };

/** Parses `8GiB`, `512 MiB`, `1e9`, `4294967296`; undefined when not a positive size. */
function parseByteSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?(?:e\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  if (!m) return undefined;
  const unit = UNITS[m[2]!.toLowerCase()];
  if (unit === undefined) return undefined;
  const n = Math.floor(Number(m[1]) * unit);
  return n > 0 && Number.isFinite(n) ? n : undefined;
}

function fromEnv(): number | undefined {
  if (envCache) return envCache.value;
  const raw = divaEnv(ENV);
  const value = raw === undefined || raw === "" ? undefined : parseByteSize(raw);
  if (raw && value === undefined) throw new Error(`${ENV}=${JSON.stringify(raw)} is not a size in bytes (examples: 8589934592, 8GiB, 512MiB)`);
  envCache = { value };
  return value;
}

/**
 * Sets the largest tensor (in bytes of storage) that any op may create, on every device; `undefined` goes
 * back to the default (`DIVA_MAX_TENSOR_BYTES`, read again, else 4 GiB on the CPU and the adapter's buffer limit on
 * WebGPU). `Infinity` turns the check off (allocations can still fail in the JS engine or the driver).
 *
 * @example
 * ```ts
 * setMaxTensorBytes(16 * 2 ** 30); // allow tensors up to 16 GiB
 * ```
 */
export function setMaxTensorBytes(bytes: number | undefined): void {
  if (bytes !== undefined && !(bytes > 0)) throw new Error(`setMaxTensorBytes: the limit must be a positive number of bytes, got ${String(bytes)}`);
  explicit = bytes;
  envCache = undefined; // re-read the environment on the next check
}

/** The per-tensor limit in bytes on `device` (see {@link setMaxTensorBytes}). */
export function getMaxTensorBytes(device: Device = "cpu"): number {
  return limitOf(device).bytes;
}

/** The limit and where it comes from: set by the user (call or environment) or the device's own. */
function limitOf(device: Device): { bytes: number; fromDevice: boolean } {
  const set = explicit ?? fromEnv();
  if (set !== undefined) return { bytes: set, fromDevice: false };
  const own = getBackend(device).maxStorageBytes;
  return own === undefined ? { bytes: DEFAULT_MAX_TENSOR_BYTES, fromDevice: false } : { bytes: own, fromDevice: true };
}

/** `4294967296 bytes (4 GiB)`. */
function describeBytes(bytes: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  const exact = Number.isSafeInteger(bytes) ? String(bytes) : bytes.toExponential(3);
  return i === 0 ? `${exact} bytes` : `${exact} bytes (${Number(v.toPrecision(3))} ${units[i]})`;
}

/** Bytes of a `dtype` tensor of `shape` in host layout. */
function tensorBytes(shape: Shape, dtype: DType): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n * bytesPerElement(dtype);
}

/**
 * Throws, before anything is allocated, when a new `dtype` tensor of `shape` on `device` would exceed the
 * per-tensor limit; the error names `op`, the shape, the bytes and how to raise the limit.
 */
export function checkTensorBytes(op: string, shape: Shape, dtype: DType, device: Device): void {
  const bytes = tensorBytes(shape, dtype);
  const limit = limitOf(device);
  if (bytes > limit.bytes) {
    const what = `${op}: a ${dtype} tensor of shape ${fmt(shape)} needs ${describeBytes(bytes)}`;
    throw new Error(
      limit.fromDevice
        ? `${what}, more than the ${describeBytes(limit.bytes)} one ${device} buffer can hold on this adapter; split the tensor or use the cpu device`
        : `${what}, more than the limit of ${describeBytes(limit.bytes)} per tensor on ${device}; raise it with setMaxTensorBytes(bytes) or ${ENV} if this shape is intended`,
    );
  }
}
