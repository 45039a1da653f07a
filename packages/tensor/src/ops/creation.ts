import type { Device } from "../backend/backend.js";
import { allocHost, castScalar, dtypeOfArray, isDType, type DType, type TypedArray } from "../dtype.js";
import { getBackend, getDefaultDevice } from "../engine/backends.js";
import { checkTensorBytes } from "../engine/limits.js";
import { StorageRef } from "../engine/memory.js";
import { checkShape, fmt, sizeOf, type Shape } from "../shape.js";
import { Tensor } from "../tensor.js";
import { runKernel } from "./registry.js";

/** Options of the creation functions. */
export interface CreateOptions<D extends DType = DType> {
  /** Element type (default: what the data or template tensor implies, else float32). */
  dtype?: D;
  /** Device (default: the template tensor's, else the default device; see `setDefaultDevice`). */
  device?: Device;
}

/** Nested arrays of numbers or booleans, as `tensor()` accepts. */
export type NestedData = number | boolean | readonly NestedData[];

/**
 * Creates a tensor from a host typed array (copied) with an explicit dtype and shape.
 * Used by io and random; `tensor()` is the friendlier entry point.
 */
export function fromHost(data: TypedArray, dtype: DType, shape: Shape, device: Device = getDefaultDevice()): Tensor {
  checkShape("fromHost", shape);
  if (data.length !== sizeOf(shape)) {
    throw new Error(`fromHost: ${data.length} elements do not fill shape ${fmt(shape)} (${sizeOf(shape)} elements)`);
  }
  const backend = getBackend(device);
  if (!backend.supports(dtype)) throw new Error(`fromHost: dtype ${dtype} is not supported on device "${device}"`);
  checkTensorBytes("fromHost", shape, dtype, device);
  let host = data;
  if (dtypeOfArray(data) !== dtype && !(dtype === "float16" && data instanceof Float32Array)) {
    host = allocHost(dtype, data.length);
    for (let i = 0; i < data.length; i++) host[i] = castScalar(data[i]!, dtype);
  }
  return new Tensor(new StorageRef(backend.upload(host, dtype), backend), dtype, shape);
}

function inferShape(data: NestedData, shape: number[] = []): number[] {
  if (Array.isArray(data)) {
    shape.push(data.length);
    if (data.length > 0) inferShape(data[0] as NestedData, shape);
  }
  return shape;
}

function flattenNested(data: NestedData, shape: readonly number[], depth: number, out: number[], hasFloat: { v: boolean; b: boolean }): void {
  if (depth === shape.length) {
    if (Array.isArray(data)) throw new Error(`tensor: ragged nested array (expected shape ${fmt(shape)})`);
    if (typeof data === "boolean") {
      hasFloat.b = true;
      out.push(data ? 1 : 0);
    } else if (typeof data === "number") {
      if (!Number.isInteger(data)) hasFloat.v = true;
      out.push(data);
    } else throw new Error(`tensor: element ${String(data)} is not a number or boolean`);
    return;
  }
  if (!Array.isArray(data) || data.length !== shape[depth]) {
    throw new Error(`tensor: ragged nested array: expected ${shape[depth]} elements at depth ${depth} of shape ${fmt(shape)}`);
  }
  for (const v of data) flattenNested(v as NestedData, shape, depth + 1, out, hasFloat);
}

/**
 * Creates a tensor from nested arrays, a typed array or a number. The dtype defaults to float32 for numbers
 * (as PyTorch's default float dtype), bool for booleans, or the typed array's own dtype.
 *
 * @example
 * ```ts
 * const a = tensor([[1, 2, 3], [4, 5, 6]]);                  // float32 [2, 3]
 * const b = tensor(new Int32Array([1, 2, 3, 4]), { shape: [2, 2] });
 * const c = tensor([true, false]);                            // bool [2]
 * ```
 */
export function tensor<D extends DType = "float32">(
  data: NestedData | TypedArray,
  options: CreateOptions<D> & { shape?: Shape } = {},
): Tensor<D> {
  let flat: TypedArray | number[];
  let shape: number[];
  let dtype: DType | undefined = options.dtype;
  if (dtype !== undefined && !isDType(dtype)) throw new Error(`tensor: unknown dtype "${String(dtype)}"`);
  if (ArrayBuffer.isView(data)) {
    const own = dtypeOfArray(data);
    if (!own) throw new Error(`tensor: unsupported typed array ${data.constructor.name}; use Float32Array, Float64Array, Int32Array or Uint8Array`);
    flat = data as TypedArray;
    shape = options.shape ? [...options.shape] : [flat.length];
    dtype ??= own;
  } else {
    shape = inferShape(data as NestedData);
    const list: number[] = [];
    const kinds = { v: false, b: false };
    flattenNested(data as NestedData, shape, 0, list, kinds);
    flat = list;
    dtype ??= kinds.b && !kinds.v ? "bool" : "float32";
    if (options.shape) {
      if (sizeOf(options.shape) !== list.length) {
        throw new Error(`tensor: ${list.length} elements do not fill shape ${fmt(options.shape)}`);
      }
      shape = [...options.shape];
    }
  }
  checkTensorBytes("tensor", shape, dtype, options.device ?? getDefaultDevice());
  const host = allocHost(dtype, flat.length);
  for (let i = 0; i < flat.length; i++) host[i] = castScalar(flat[i]!, dtype);
  return fromHost(host, dtype, shape, options.device) as Tensor<D>;
}

/** A tensor of `shape` filled with `value`. */
export function full<D extends DType = "float32">(shape: Shape, value: number, options: CreateOptions<D> = {}): Tensor<D> {
  return filled("full", shape, value, options);
}

/** `fill` under the name the caller used (for errors). */
function filled<D extends DType>(op: string, shape: Shape, value: number, options: CreateOptions<D>): Tensor<D> {
  checkShape(op, shape);
  const dtype = options.dtype ?? "float32";
  checkTensorBytes(op, shape, dtype, options.device ?? getDefaultDevice());
  return runKernel("fill", [], { value, shape, dtype }, options.device) as Tensor<D>;
}

/** Zeros of `shape`. */
export function zeros<D extends DType = "float32">(shape: Shape, options: CreateOptions<D> = {}): Tensor<D> {
  return filled("zeros", shape, 0, options);
}

/** Ones of `shape`. */
export function ones<D extends DType = "float32">(shape: Shape, options: CreateOptions<D> = {}): Tensor<D> {
  return filled("ones", shape, 1, options);
}

/** Zeros with the shape, dtype and device of `t` (dtype/device overridable). */
export function zerosLike<D extends DType>(t: Tensor<D>, options: CreateOptions = {}): Tensor<D> {
  return full(t.shape, 0, { dtype: options.dtype ?? t.dtype, device: options.device ?? t.device }) as Tensor<D>;
}

/** Ones with the shape, dtype and device of `t`. */
export function onesLike<D extends DType>(t: Tensor<D>, options: CreateOptions = {}): Tensor<D> {
  return full(t.shape, 1, { dtype: options.dtype ?? t.dtype, device: options.device ?? t.device }) as Tensor<D>;
}

/** A tensor like `t` filled with `value`. */
export function fullLike<D extends DType>(t: Tensor<D>, value: number, options: CreateOptions = {}): Tensor<D> {
  return full(t.shape, value, { dtype: options.dtype ?? t.dtype, device: options.device ?? t.device }) as Tensor<D>;
}

/**
 * Values from `start` (inclusive) to `end` (exclusive) stepping by `step`, like torch.arange. With one argument,
 * `arange(n)` is 0..n-1. The dtype is int32 when all arguments are integers, else float32.
 */
export function arange(start: number, end?: number, step = 1, options: CreateOptions = {}): Tensor {
  if (end === undefined) {
    end = start;
    start = 0;
  }
  if (step === 0 || !Number.isFinite(step)) throw new Error(`arange: step must be a non-zero finite number, got ${step}`);
  const n = Math.max(0, Math.ceil((end - start) / step));
  const dtype = options.dtype ?? ([start, end, step].every(Number.isInteger) ? "int32" : "float32");
  checkTensorBytes("arange", [n], dtype, options.device ?? getDefaultDevice());
  const host = allocHost(dtype, n);
  for (let i = 0; i < n; i++) host[i] = castScalar(start + i * step, dtype);
  return fromHost(host, dtype, [n], options.device);
}

/** `steps` evenly spaced values from `start` to `end` inclusive (torch.linspace). */
export function linspace(start: number, end: number, steps: number, options: CreateOptions = {}): Tensor {
  if (!Number.isInteger(steps) || steps < 0) throw new Error(`linspace: steps must be a non-negative integer, got ${steps}`);
  const dtype = options.dtype ?? "float32";
  checkTensorBytes("linspace", [steps], dtype, options.device ?? getDefaultDevice());
  const host = allocHost(dtype, steps);
  const delta = steps > 1 ? (end - start) / (steps - 1) : 0;
  // symmetric evaluation as torch does, so that both ends are exact
  const half = Math.floor(steps / 2);
  // (with one step torch gives [start], which the first branch yields only when i < half: handle it apart)
  for (let i = 0; i < steps; i++) host[i] = castScalar(steps === 1 ? start : i < half ? start + delta * i : end - delta * (steps - 1 - i), dtype);
  return fromHost(host, dtype, [steps], options.device);
}

/** Identity matrix n x m (m defaults to n). */
export function eye(n: number, m = n, options: CreateOptions = {}): Tensor {
  const dtype = options.dtype ?? "float32";
  checkShape("eye", [n, m]);
  checkTensorBytes("eye", [n, m], dtype, options.device ?? getDefaultDevice());
  const host = allocHost(dtype, n * m);
  for (let i = 0; i < Math.min(n, m); i++) host[i * m + i] = 1;
  return fromHost(host, dtype, [n, m], options.device);
}

/** A 0-d tensor holding `value` on `device` with `dtype`. */
export function scalar(value: number, dtype: DType = "float32", device?: Device): Tensor {
  return full([], value, { dtype, device });
}
