/// <reference types="@webgpu/types" />
import type { DType } from "../../dtype.js";
import { gpuByteLength } from "./dtypes.js";
import type { ErrorTracker } from "./errors.js";
import type { PipelineCache } from "./pipelines.js";
import type { BufferPool } from "./pool.js";
import type { Binding, CommandQueue } from "./queue.js";
import { WebGPUStorage } from "./storage.js";
import type { Params } from "./params.js";

/** Usage of tensor buffers: STORAGE | COPY_SRC | COPY_DST. */
const TENSOR_USAGE = 0x0080 | 0x0004 | 0x0008;

/** Everything kernels need: the device and its queue, pool, pipeline cache, limits and features. */
export class GpuContext {
  constructor(
    readonly device: GPUDevice,
    readonly queue: CommandQueue,
    readonly pool: BufferPool,
    readonly pipelines: PipelineCache,
    readonly tracker: ErrorTracker,
    readonly limits: GPUSupportedLimits,
    /** True when the device has `shader-f16`. */
    readonly f16: boolean,
  ) {}

  /** The largest buffer a kernel can bind: min(maxStorageBufferBindingSize, maxBufferSize), in bytes. */
  get maxBindingBytes(): number {
    return Math.min(this.limits.maxStorageBufferBindingSize, this.limits.maxBufferSize);
  }

  /**
   * A new storage for `size` elements of `dtype`. Refuses, before anything is allocated, a size over
   * maxStorageBufferBindingSize or maxBufferSize, with an error naming `op`, the shape, the bytes and the limit.
   */
  alloc(dtype: DType, size: number, op: string, shape?: readonly number[]): WebGPUStorage {
    this.tracker.assertUsable(op);
    if (dtype === "float16" && !this.f16) {
      throw new Error(`${op}: float16 needs the adapter feature shader-f16, which this WebGPU adapter lacks`);
    }
    const bytes = gpuByteLength(dtype, size);
    if (bytes > this.maxBindingBytes) {
      const what = shape ? `a ${dtype} tensor of shape [${shape.join(",")}]` : `${size} ${dtype} elements`;
      const name = this.limits.maxStorageBufferBindingSize <= this.limits.maxBufferSize ? "maxStorageBufferBindingSize" : "maxBufferSize";
      throw new Error(`${op}: ${what} needs ${bytes} bytes, more than this WebGPU adapter's ${name} of ${this.maxBindingBytes} bytes; split the tensor or use the cpu device`);
    }
    return new WebGPUStorage(this.pool.acquire(bytes, TENSOR_USAGE), bytes, dtype, size);
  }

  /**
   * Records a dispatch of the kernel `spec` describes: its pipeline is cached under `kernelKey(spec)` and built,
   * on first use, from `generate(spec)`. Both come from the one spec object, so two dispatches share a pipeline
   * exactly when their generators were given equal specs (`generate` must read nothing but its argument).
   */
  run<S extends KernelSpec>(spec: S, generate: (spec: S) => string, params: Params, buffers: readonly Binding[], workgroups: readonly [number, number, number]): void {
    const entry = this.pipelines.get(kernelKey(spec), () => generate(spec));
    this.queue.dispatch(entry, params.toArray(), buffers, workgroups);
  }

  /** Largest workgroup count per dispatch dimension. */
  get maxGroups(): number {
    return this.limits.maxComputeWorkgroupsPerDimension;
  }
}

/** Everything a kernel's WGSL generator reads: the kernel's name and plain values (dtypes, ranks, variants, WGSL snippets). */
type KernelSpec = { readonly kernel: string } & { readonly [field: string]: KernelSpecValue };

/** A field of a {@link KernelSpec}: a plain value or a list of them (one per input, say). */
type KernelSpecValue = string | number | boolean | null | readonly (string | number | boolean)[];

/** The pipeline-cache key of a spec: the kernel's name, then each field as `name=value` (lists comma-joined), sorted by name. */
export function kernelKey(spec: KernelSpec): string {
  let key = spec.kernel;
  for (const name of Object.keys(spec).sort()) if (name !== "kernel") key += `|${name}=${String(spec[name])}`;
  return key;
}

/** A binding of a whole storage. */
export function bind(s: WebGPUStorage): Binding {
  return { buffer: s.buffer, size: s.bindSize };
}
