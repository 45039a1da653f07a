import { allocHost, type DType, type TypedArray } from "../../dtype.js";

/**
 * Recycles the arrays of freed CPU storages as outputs of the fast kernels. A fresh large typed array costs
 * a page fault per 4 KiB page on first write (for a 20 MB elementwise output, as long as the arithmetic);
 * a training step frees and allocates the same sizes over and over. Arrays of at least `MIN_BYTES` are kept,
 * by type and length, up to `MAX_BYTES` in all (oldest dropped first). The reference kernels never draw
 * from the pool.
 */

const MIN_BYTES = 1 << 16;
const MAX_BYTES = 256 << 20;

const free = new Map<string, TypedArray[]>();
/** Keys in the order arrays were added (for dropping the oldest). */
const order: string[] = [];
let pooledBytes = 0;

const keyOf = (ctor: string, length: number): string => `${ctor}:${length}`;

const CTOR: Record<DType, string> = { float32: "Float32Array", float64: "Float64Array", int32: "Int32Array", bool: "Uint8Array", float16: "Float32Array" };

/** Gives a freed storage's array back to the pool (small arrays and views into larger buffers are ignored). */
export function recycleHost(data: TypedArray): void {
  if (data.byteLength < MIN_BYTES || data.byteOffset !== 0 || data.byteLength !== data.buffer.byteLength || data.buffer instanceof SharedArrayBuffer) return;
  if (data.byteLength > MAX_BYTES) return;
  const key = keyOf(data.constructor.name, data.length);
  let list = free.get(key);
  if (!list) free.set(key, (list = []));
  list.push(data);
  order.push(key);
  pooledBytes += data.byteLength;
  while (pooledBytes > MAX_BYTES && order.length) {
    const k = order.shift()!;
    const old = free.get(k)?.shift();
    if (old) pooledBytes -= old.byteLength;
  }
}

/**
 * An array of `n` elements of `dtype` for a kernel output: from the pool when one of that size is free
 * (zero-filled only when `zeroed`; otherwise its old contents remain and the kernel must write every
 * element), else a new zeroed array.
 */
export function allocOutput(dtype: DType, n: number, zeroed: boolean): TypedArray {
  const list = free.get(keyOf(CTOR[dtype], n));
  const got = list?.pop();
  if (!got) return allocHost(dtype, n);
  const i = order.lastIndexOf(keyOf(CTOR[dtype], n));
  if (i >= 0) order.splice(i, 1);
  pooledBytes -= got.byteLength;
  if (zeroed) got.fill(0);
  return got;
}

/** Bytes held by the pool (not counted by `memory()`). */
export function pooledHostBytes(): number {
  return pooledBytes;
}
