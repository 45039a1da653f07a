import type { DType, TypedArray } from "../dtype.js";
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
  /** The storage the view reads. */
  readonly storage: Storage;
  /** Element type. */
  readonly dtype: DType;
  /** Logical shape. */
  readonly shape: Shape;
  /** Step in elements per dimension (0 for a broadcast dimension). */
  readonly strides: readonly number[];
  /** Element index of the view's first element in the storage. */
  readonly offset: number;
}

/** Output description handed to a kernel: it returns a new contiguous storage of this shape and dtype. */
export interface OutputInfo {
  /** Shape of the output. */
  readonly shape: Shape;
  /** dtype of the output. */
  readonly dtype: DType;
}

// the op attribute types live with the ops (ops/kernel-attrs.ts); re-exported for the backends
export type { BiasActivation, KernelAttrs, KernelName, NormActivation, Window2d } from "../ops/kernel-attrs.js";
import type { KernelAttrs, KernelName } from "../ops/kernel-attrs.js";

/** A kernel: reads strided inputs, returns a fresh contiguous storage for the output. */
export type Kernel<A> = (inputs: readonly TensorView[], attrs: A, out: OutputInfo) => Storage;

/** The complete kernel table of a backend: a missing kernel is a compile error. */
export type KernelTable = { [K in KernelName]: Kernel<KernelAttrs[K]> };

/** A compute backend. */
export interface Backend {
  /** The device name tensors on this backend report. */
  readonly name: Device;
  /** One kernel per kernel op. */
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
  /**
   * The largest storage, in bytes, this backend can hold for one tensor (WebGPU: the largest buffer a kernel
   * can bind); it is the default of the per-tensor limit (see `setMaxTensorBytes`). Absent: 4 GiB.
   */
  readonly maxStorageBytes?: number;
}
