import { allocHost, type DType, type TypedArray } from "../../dtype.js";
import { envVar } from "./wasm/env.js";
import { kernelRuntime } from "./wasm/runtime.js";

/** Whether `buffer` is shared memory; `SharedArrayBuffer` itself is undefined in pages without cross-origin isolation. */
const isShared = (buffer: ArrayBufferLike): boolean => typeof SharedArrayBuffer === "function" && buffer instanceof SharedArrayBuffer;

/**
 * Where the fast kernels' outputs live, and the pool of freed arrays they are drawn from.
 *
 * Resident storage: a float32 output of at least `MIN_BYTES` is allocated in the WebAssembly kernel memory
 * when that memory is shared (`KernelRuntime.tryAllocF32`), so matmul, conv, attention and softmax read and
 * write it in place instead of copying operands in and results out on every call. Growing a shared memory
 * never detaches the views already handed out. Where the memory is not shared (a browser page without
 * cross-origin isolation), growing it would detach them, so outputs stay ordinary arrays there (and the
 * kernels copy, as before). Resident arrays use at most `RESIDENT_FRACTION` of the memory's maximum, the rest
 * being left for the kernels' scratch and for copies of ordinary operands; past it outputs are ordinary
 * arrays again. `DIVA_CPU_RESIDENT=0` in the environment (or `setResidentStorage(false)`) turns it off.
 *
 * The pool: a fresh large typed array costs a page fault per 4 KiB page on first write (for a 20 MB
 * elementwise output, as long as the arithmetic), and a training step frees and allocates the same sizes
 * over and over. Arrays of at least `MIN_BYTES` are kept, by kind (resident or not), type and length, up to
 * `MAX_BYTES` in all (oldest dropped first; a dropped resident array frees its block). The reference kernels
 * never draw from the pool.
 */

const MIN_BYTES = 1 << 16;
const MAX_BYTES = 256 << 20;
/** Share of the kernel memory's maximum that resident tensor storage may fill. */
const RESIDENT_FRACTION = 0.75;

const free = new Map<string, TypedArray[]>();
/** Keys in the order arrays were added (for dropping the oldest). */
const order: string[] = [];
let pooledBytes = 0;

const keyOf = (ctor: string, length: number): string => `${ctor}:${length}`;
const RESIDENT = "resident-Float32Array";

const CTOR: Record<DType, string> = { float32: "Float32Array", float64: "Float64Array", int32: "Int32Array", bool: "Uint8Array", float16: "Float32Array" };

function residentFromEnv(): boolean {
  const v = envVar("DIVA_CPU_RESIDENT")?.trim().toLowerCase();
  if (v === undefined || v === "" || v === "1" || v === "on" || v === "true") return true;
  if (v === "0" || v === "off" || v === "false") return false;
  throw new Error(`DIVA_CPU_RESIDENT must be 1/on/true or 0/off/false, got "${v}"`);
}

let residentOn = residentFromEnv();

/**
 * Whether the fast CPU kernels allocate float32 outputs in the kernel memory (see above); returns the
 * previous setting. Arrays already allocated stay where they are.
 */
export function setResidentStorage(on: boolean): boolean {
  const prev = residentOn;
  residentOn = on;
  return prev;
}

/** Whether `data` lives in the kernel memory. */
function isResident(data: TypedArray): data is Float32Array {
  return data instanceof Float32Array && isShared(data.buffer) && kernelRuntime()?.addressOf(data) !== undefined;
}

function take(key: string): TypedArray | undefined {
  const got = free.get(key)?.pop();
  if (!got) return undefined;
  const i = order.lastIndexOf(key);
  if (i >= 0) order.splice(i, 1);
  pooledBytes -= got.byteLength;
  return got;
}

/** Drops pooled arrays, oldest first, until at most `bytes` are pooled. */
function trimTo(bytes: number): void {
  while (pooledBytes > bytes && order.length) {
    const k = order.shift()!;
    const old = free.get(k)?.shift();
    if (!old) continue;
    pooledBytes -= old.byteLength;
    releaseHost(old);
  }
}

/** Frees the kernel-memory block of a resident array at once (ordinary arrays are left to the collector). */
export function releaseHost(data: TypedArray): void {
  if (isResident(data)) kernelRuntime()!.freeF32(data);
}

/** Gives a freed storage's array back to the pool (small arrays and views into larger buffers are released). */
export function recycleHost(data: TypedArray): void {
  const resident = isResident(data);
  if (data.byteLength < MIN_BYTES || data.byteLength > MAX_BYTES) return releaseHost(data);
  if (!resident && (data.byteOffset !== 0 || data.byteLength !== data.buffer.byteLength || isShared(data.buffer))) return;
  const key = resident ? keyOf(RESIDENT, data.length) : keyOf(data.constructor.name, data.length);
  let list = free.get(key);
  if (!list) free.set(key, (list = []));
  list.push(data);
  order.push(key);
  pooledBytes += data.byteLength;
  trimTo(MAX_BYTES);
}

/** A resident float32 array of `n` elements, or undefined where that is off or does not fit. */
function allocResident(n: number): Float32Array | undefined {
  const rt = kernelRuntime();
  if (!rt?.shared) return undefined;
  const limit = rt.maximumBytes * RESIDENT_FRACTION;
  const got = take(keyOf(RESIDENT, n)) as Float32Array | undefined;
  if (got) return got;
  const fresh = rt.tryAllocF32(n, limit);
  if (fresh || !free.size) return fresh;
  // the pool's resident arrays may be what fills the memory: give them back and try once more
  for (const [key, list] of free) {
    if (!key.startsWith(RESIDENT)) continue;
    for (const a of list) {
      pooledBytes -= a.byteLength;
      rt.freeF32(a as Float32Array);
    }
    free.delete(key);
  }
  for (let i = order.length - 1; i >= 0; i--) if (order[i]!.startsWith(RESIDENT)) order.splice(i, 1);
  return rt.tryAllocF32(n, limit);
}

/**
 * An array of `n` elements of `dtype` for a kernel output: resident in the kernel memory for float32 (see
 * above), else from the pool when one of that size is free, else a new array. Zero-filled only when
 * `zeroed`; otherwise it may hold old contents and the kernel must write every element.
 */
export function allocOutput(dtype: DType, n: number, zeroed: boolean): TypedArray {
  if (dtype === "float32" && residentOn && n * 4 >= MIN_BYTES) {
    const r = allocResident(n);
    if (r) {
      if (zeroed) r.fill(0);
      return r;
    }
  }
  const got = take(keyOf(CTOR[dtype], n));
  if (!got) return allocHost(dtype, n);
  if (zeroed) got.fill(0);
  return got;
}
