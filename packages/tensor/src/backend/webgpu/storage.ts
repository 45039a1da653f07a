/// <reference types="@webgpu/types" />
import type { Storage, TensorView } from "../backend.js";
import type { DType } from "../../dtype.js";

/** A tensor storage on WebGPU: a (pooled) GPU buffer holding `size` elements of `dtype`. */
export class WebGPUStorage implements Storage {
  /** True once the backend freed it (its buffer may then belong to another storage). */
  freed = false;

  constructor(
    /** The buffer; it may be larger than `byteLength` (pool size classes). */
    readonly buffer: GPUBuffer,
    /** Bytes used: elements x bytes per element, padded to a multiple of 4. */
    readonly byteLength: number,
    readonly dtype: DType,
    /** Number of elements. */
    readonly size: number,
  ) {}

  /** Size to bind: the used bytes. */
  get bindSize(): number {
    return this.byteLength;
  }
}

/** The WebGPU storage of a kernel input; throws a clear error for storages of other backends or freed ones. */
export function gpuStorage(view: TensorView, op: string): WebGPUStorage {
  const s = view.storage;
  if (!(s instanceof WebGPUStorage)) {
    throw new Error(`${op}: input is not on the webgpu device; move it with await t.to("webgpu")`);
  }
  if (s.freed) throw new Error(`${op}: input storage was already freed`);
  return s;
}
