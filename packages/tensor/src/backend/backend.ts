import type { DType, TypedArray } from "../dtype.js";
import type { BinaryOpName, UnaryOpName } from "../ops/elementwise-table.js";
import type { Shape } from "../shape.js";

/** Name of a device a tensor lives on. */
export type Device = "cpu" | "webgpu";

/** Backend-owned memory holding the elements of one or more tensor views. */
export interface Storage {
  /** Size in bytes, for `memory()`. */
  readonly byteLength: number;
}

/** A strided view of a storage, as kernels receive their inputs. Offsets and strides are in elements. */
export interface TensorView {
  readonly storage: Storage;
  readonly dtype: DType;
  readonly shape: Shape;
  readonly strides: readonly number[];
  readonly offset: number;
}

/** Output description handed to a kernel: it returns a new contiguous storage of this shape and dtype. */
export interface OutputInfo {
  readonly shape: Shape;
  readonly dtype: DType;
}

/** Attributes of a 2-D sliding window (im2col / col2im). */
export interface Window2d {
  readonly kernel: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
  readonly dilation: readonly [number, number];
}

type UnaryAttrs = {
  /** An elementwise unary op from the `UNARY` table; no attributes. */
  [K in UnaryOpName]: Record<string, never>;
};
type BinaryAttrs = {
  /** An elementwise binary op from the `BINARY` table (operands broadcast); no attributes. */
  [K in BinaryOpName]: Record<string, never>;
};

/**
 * Every op a backend implements, with its attributes. Kernel inputs are strided views of any layout
 * (broadcast operands arrive with zero strides); outputs are new contiguous storages.
 */
export interface KernelAttrs extends UnaryAttrs, BinaryAttrs {
  /** Output of `shape` and `dtype` filled with `value`; no inputs. */
  fill: { value: number; shape: Shape; dtype: DType };
  /** Copy of the input with dtype conversion (float to int truncates toward zero, nonzero to bool is 1). */
  cast: { dtype: DType };
  /** Copy of a strided view into a contiguous buffer. */
  contiguous: Record<string, never>;
  /** where(cond, a, b), all broadcast to the output shape. */
  where: Record<string, never>;
  /** clamp(x, min, max); a null bound is absent. */
  clamp: { min: number | null; max: number | null };
  /** Reductions over sorted `axes`; the output shape keeps reduced dims as size 1 (the op reshapes after). */
  sum: { axes: readonly number[] };
  prod: { axes: readonly number[] };
  max: { axes: readonly number[] };
  min: { axes: readonly number[] };
  /** Index of the first extreme value along `axis` (output int32, reduced dim kept as size 1). */
  argmax: { axis: number };
  argmin: { axis: number };
  /** Batched matmul: inputs [..., m, k] and [..., k, n] already broadcast over batch dims to the output's. */
  matmul: Record<string, never>;
  /** im2col: [N, C, H, W] -> [N, C*kh*kw, L] (L = output positions). */
  unfold: Window2d;
  /** col2im (adjoint of unfold): [N, C*kh*kw, L] -> [N, C, H, W], overlapping entries summed. */
  fold: Window2d & { readonly outputSize: readonly [number, number] };
  /** out[i][j][k] = x[index[i][j][k]][j][k] along `axis` (torch.gather); index int32. */
  gather: { axis: number };
  /** out = base; out[index[i][j]][j] += src[i][j] along `axis` (torch.scatter_add). Inputs: base, index, src. */
  scatterAdd: { axis: number };
  /** Selects entries `index` (int32, 1-D) along `axis`. */
  indexSelect: { axis: number };
  /** A tensor of the output shape filled with `value`, with the input written at `starts` stepping `steps`. */
  scatterSlice: { shape: Shape; starts: readonly number[]; steps: readonly number[]; value: number };
  /** Concatenation of all inputs along `axis`. */
  concat: { axis: number };
  /** Softmax / log-softmax along `axis`. */
  softmax: { axis: number };
  logSoftmax: { axis: number };
}

/** Names of all kernels. */
export type KernelName = keyof KernelAttrs;

/** A kernel: reads strided inputs, returns a fresh contiguous storage for the output. */
export type Kernel<A> = (inputs: readonly TensorView[], attrs: A, out: OutputInfo) => Storage;

/** The complete kernel table of a backend: a missing kernel is a compile error. */
export type KernelTable = { [K in KernelName]: Kernel<KernelAttrs[K]> };

/** A compute backend. */
export interface Backend {
  readonly name: Device;
  readonly kernels: KernelTable;
  /** dtypes this backend can store. */
  supports(dtype: DType): boolean;
  /** Creates a storage holding a copy of `data` (host layout for `dtype`). */
  upload(data: TypedArray, dtype: DType): Storage;
  /** Reads `size` elements starting at element `offset` of a storage, as a new host array. */
  read(storage: Storage, dtype: DType, offset: number, size: number): Promise<TypedArray>;
  /** Synchronous read, where the backend can do it (the CPU backend). */
  readSync?(storage: Storage, dtype: DType, offset: number, size: number): TypedArray;
  /** Releases a storage. Called once, when no tensor view uses it any more. */
  free(storage: Storage): void;
}
