/// <reference types="@webgpu/types" />
import type { Backend, KernelTable, Storage } from "../backend.js";
import type { DType, TypedArray } from "../../dtype.js";
import { GpuContext } from "./context.js";
import { describeAdapter, requestDevice } from "./device.js";
import { gpuElementBytes } from "./dtypes.js";
import { ErrorTracker } from "./errors.js";
import { fromDeviceBytes, toDeviceBytes } from "./host.js";
import { buildKernelTable } from "./kernels/table.js";
import { findAdapter, type AdapterChoice } from "./loader.js";
import { warnIfSoftwareAdapter } from "./software-adapter.js";
import { PipelineCache } from "./pipelines.js";
import { BufferPool } from "./pool.js";
import { CommandQueue } from "./queue.js";
import { WebGPUStorage } from "./storage.js";
import { TimestampRegion, type GpuTimer, type GpuTiming } from "./timing.js";
import { gpuWorkTimeoutMs, withDeadline } from "./deadline.js";

const USAGE_READBACK = 0x0001 | 0x0008; // MAP_READ | COPY_DST

/** Options of the WebGPU backend. */
export interface WebGPUBackendOptions {
  /** Dispatches queued before a submission without waiting for a read (default 64). */
  readonly maxDispatchesPerSubmit?: number;
  /** Bytes of freed buffers kept for reuse (default: 1 GiB or maxBufferSize, whichever is smaller). */
  readonly maxCachedBytes?: number;
  /**
   * Works within a smaller `maxStorageBufferBindingSize` than the device's (bytes; a larger value is
   * refused): to check on a large GPU that a model fits a device with smaller limits, such as WebGPU's
   * defaults (128 MiB), and to test the ops that split work to fit a binding.
   */
  readonly maxStorageBufferBindingSize?: number;
  /** Works within a smaller `maxBufferSize` than the device's (bytes; WebGPU's default is 256 MiB). */
  readonly maxBufferSize?: number;
}

/** The device's limits with the binding and buffer sizes lowered as `options` asks (a plain object). */
function effectiveLimits(device: GPUDevice, options: WebGPUBackendOptions): GPUSupportedLimits {
  const out: Record<string, number> = {};
  const lim = device.limits as unknown as Record<string, unknown>;
  for (let o: object | null = device.limits; o && o !== Object.prototype; o = Object.getPrototypeOf(o) as object | null) {
    for (const k of Object.getOwnPropertyNames(o)) {
      const v = (k.startsWith("max") || k.startsWith("min")) && lim[k];
      if (typeof v === "number") out[k] = v;
    }
  }
  for (const k of ["maxStorageBufferBindingSize", "maxBufferSize"] as const) {
    const want = options[k];
    if (want === undefined) continue;
    if (!Number.isInteger(want) || want < 4 || want > device.limits[k]) {
      throw new Error(`webgpu: ${k} ${String(want)} must be an integer from 4 to the device's ${device.limits[k]}`);
    }
    out[k] = want;
  }
  return out as unknown as GPUSupportedLimits;
}

/** What the backend runs on, for tables and messages. */
export interface WebGPUAdapterSummary {
  /** Vendor / architecture / device / driver description. */
  readonly name: string;
  /** How the adapter was found ("navigator.gpu", "dawn default", "dawn opengl", ...). */
  readonly via: string;
  /** Features enabled on the device. */
  readonly features: readonly string[];
  /** maxStorageBufferBindingSize of the device, in bytes. */
  readonly maxStorageBufferBindingSize: number;
}

/**
 * The WebGPU backend: WGSL kernels for every op, dispatched into one command encoder that is submitted when
 * data is read or every `maxDispatchesPerSubmit` dispatches, with pooled buffers and cached pipelines.
 */
export class WebGPUBackend implements Backend {
  /** Device name. */
  readonly name = "webgpu" as const;
  /** One kernel per op. */
  readonly kernels: KernelTable;
  /** The adapter, device and features in use. */
  readonly adapter: WebGPUAdapterSummary;
  /** @internal */
  readonly ctx: GpuContext;
  /** Kept referenced for the device's lifetime (Dawn crashes if its GPU object is collected). */
  private readonly choice: AdapterChoice;
  /** The submission reads started in the current microtask turn wait for (see `flushSoon`). */
  private pendingFlush: Promise<void> | undefined;

  constructor(choice: AdapterChoice, device: GPUDevice, options: WebGPUBackendOptions = {}) {
    this.choice = choice;
    const tracker = new ErrorTracker(device);
    const limits = effectiveLimits(device, options);
    const pool = new BufferPool(device, tracker, {
      maxCachedBytes: options.maxCachedBytes ?? Math.min(1 << 30, limits.maxBufferSize),
      maxBufferSize: limits.maxBufferSize,
    });
    const queue = new CommandQueue(device, pool, {
      maxDispatchesPerSubmit: options.maxDispatchesPerSubmit ?? 64,
      uniformAlign: limits.minUniformBufferOffsetAlignment,
    });
    const pipelines = new PipelineCache(device, tracker);
    this.ctx = new GpuContext(device, queue, pool, pipelines, tracker, limits, device.features.has("shader-f16"));
    this.kernels = buildKernelTable(this.ctx);
    this.adapter = {
      name: describeAdapter(choice.adapter),
      via: choice.via,
      features: [...device.features].sort(),
      maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
    };
  }

  /** The largest buffer a kernel can bind: min(maxBufferSize, maxStorageBufferBindingSize) of the device. */
  get maxStorageBytes(): number {
    return Math.min(this.ctx.limits.maxBufferSize, this.ctx.limits.maxStorageBufferBindingSize);
  }

  /** float32, int32 and bool; float16 when the device has shader-f16; never float64. */
  supports(dtype: DType): boolean {
    return dtype === "float32" || dtype === "int32" || dtype === "bool" || (dtype === "float16" && this.ctx.f16);
  }

  /** Copies host data to a new buffer (through the queue, ordered before later submissions). */
  upload(data: TypedArray, dtype: DType): Storage {
    if (!this.supports(dtype)) throw new Error(`webgpu: dtype ${dtype} is not supported on this device`);
    const storage = this.ctx.alloc(dtype, data.length, "upload", [data.length]);
    const bytes = toDeviceBytes(data, dtype);
    this.ctx.device.queue.writeBuffer(storage.buffer, 0, bytes, 0, bytes.byteLength);
    return storage;
  }

  /**
   * Reads `size` elements from element `offset`: records a copy into a mappable buffer, submits the queued
   * work (reads started together, as in `Promise.all`, share one submission) and maps it. Rejects with the
   * first device error recorded since the last read (a shader that failed to compile, out of memory,
   * validation) and after device loss.
   */
  async read(storage: Storage, dtype: DType, offset: number, size: number): Promise<TypedArray> {
    const ctx = this.ctx;
    const s = asGpu(storage, "read");
    ctx.tracker.assertUsable("read");
    if (size === 0) {
      ctx.queue.flush();
      await this.check();
      return fromDeviceBytes(new ArrayBuffer(0), 0, dtype, 0);
    }
    const eb = gpuElementBytes(dtype);
    const start = offset * eb;
    const alignedStart = Math.floor(start / 4) * 4;
    const end = Math.ceil(((offset + size) * eb) / 4) * 4;
    if (end > s.buffer.size) throw new Error(`read: elements ${offset}..${offset + size} are outside the storage (${s.size} elements)`);
    const len = end - alignedStart;
    const staging = ctx.pool.acquire(len, USAGE_READBACK);
    ctx.queue.copy(s.buffer, alignedStart, staging, 0, len);
    try {
      await this.flushSoon();
      await this.check();
      try {
        await withDeadline(staging.mapAsync(0x0001, 0, len), gpuWorkTimeoutMs(), `reading back ${len} bytes (the GPU work queued before it)`);
      } catch (e) {
        await this.check();
        throw new Error(`webgpu: reading back failed: ${(e as Error).message}`);
      }
      const bytes = staging.getMappedRange(0, len).slice(0);
      staging.unmap();
      await this.check();
      return fromDeviceBytes(bytes, start - alignedStart, dtype, size);
    } finally {
      if (staging.mapState === "mapped") staging.unmap();
      ctx.pool.releaseNow(staging);
    }
  }

  /** Returns a storage's buffer to the pool (reusable after the next submission). */
  free(storage: Storage): void {
    const s = asGpu(storage, "free");
    if (s.freed) return;
    s.freed = true;
    this.ctx.pool.release(s.buffer);
  }

  /**
   * Submits the queued work once the current microtask turn has run, so that every read started in it
   * shares one submission; the staging buffers are mapped only after it (mapping before the submission
   * that writes them would be a validation error).
   */
  private flushSoon(): Promise<void> {
    this.pendingFlush ??= Promise.resolve().then(() => {
      this.pendingFlush = undefined;
      this.ctx.queue.flush();
    });
    return this.pendingFlush;
  }

  /** Submits all queued work now. */
  flush(): void {
    this.ctx.queue.flush();
  }

  /** Submits queued work and waits until the GPU finished it; rejects on a recorded device error. */
  async sync(): Promise<void> {
    this.ctx.queue.flush();
    await withDeadline(this.ctx.device.queue.onSubmittedWorkDone(), gpuWorkTimeoutMs(), "the submitted GPU work to finish (sync)");
    await this.check();
  }

  /** True when the device has `timestamp-query`, so `gpuTimer()` and `withGpuTiming()` measure GPU time. */
  get timestamps(): boolean {
    return this.ctx.device.features.has("timestamp-query");
  }

  /**
   * Opens a GPU timing region, or returns null when the device lacks `timestamp-query` (nothing is opened).
   * Every compute pass begun until `stop()` (the dispatches recorded in between; copies and uploads are not
   * compute passes) writes beginning and end-of-pass timestamps; `stop()` submits the queued work and
   * resolves to the summed pass durations in nanoseconds. Work recorded before the call is not counted.
   * Throws if a region is already open on this backend (regions cannot nest or overlap); every region must
   * be stopped, which releases its query sets and buffers, so prefer `withGpuTiming`.
   */
  gpuTimer(): GpuTimer | null {
    if (!this.timestamps) return null;
    this.ctx.tracker.assertUsable("gpuTimer");
    return new TimestampRegion(this.ctx.device, this.ctx.queue, this.ctx.tracker);
  }

  /**
   * Runs `fn` (sync or async) inside a GPU timing region and resolves to its result with the GPU
   * nanoseconds of the compute passes recorded while it ran (0 when it dispatched nothing). Without
   * `timestamp-query`, `fn` still runs and `ns` is null. The region is closed (and its query sets and
   * buffers released) also when `fn` throws, in which case the error is rethrown.
   *
   * @example
   * ```ts
   * const { result, ns } = await backend.withGpuTiming(() => matmul(a, b));
   * console.log(ns === null ? "no timestamp-query" : `${ns / 1e6} ms on the GPU`);
   * ```
   */
  async withGpuTiming<T>(fn: () => T | Promise<T>): Promise<GpuTiming<T>> {
    const timer = this.gpuTimer();
    if (!timer) return { result: await fn(), ns: null, passes: 0 };
    let result: T;
    try {
      result = await fn();
    } catch (e) {
      await timer.stop().catch(() => undefined);
      throw e;
    }
    const t = await timer.stop();
    return { result, ns: t.ns, passes: t.passes };
  }

  /** Pool statistics (bytes in use and cached) and the number of compiled pipelines. */
  stats(): {
    /** Bytes of buffers in use by live storages. */
    liveBytes: number;
    /** Bytes of freed buffers kept in the pool for reuse. */
    cachedBytes: number;
    /** Compiled compute pipelines in the cache. */
    pipelines: number;
    /** Queue submissions so far. */
    submissions: number;
  } {
    return { ...this.ctx.pool.stats(), pipelines: this.ctx.pipelines.size, submissions: this.ctx.queue.submitted };
  }

  /** Destroys the device (every storage becomes invalid). */
  destroy(): void {
    this.ctx.pool.trim();
    this.ctx.device.destroy();
  }

  /** The GPU object the adapter came from (kept referenced). */
  get gpu(): GPU {
    return this.choice.gpu;
  }

  private async check(): Promise<void> {
    await this.ctx.tracker.settle();
    const err = this.ctx.tracker.take();
    if (err) throw err;
  }
}

function asGpu(storage: Storage, op: string): WebGPUStorage {
  if (!(storage instanceof WebGPUStorage)) throw new Error(`webgpu ${op}: storage belongs to another backend`);
  return storage;
}

/** Finds an adapter, requests a device with the wanted features and maximum limits, and builds the backend. */
export async function createWebGPUBackend(options: WebGPUBackendOptions = {}): Promise<WebGPUBackend> {
  const { choice, tried } = await findAdapter();
  if (!choice) {
    throw new Error(
      `webgpu: no WebGPU adapter found (${tried.join("; ")}). On Debian 12 run scripts/setup-webgpu-driver.sh as root to install a software driver.`,
    );
  }
  const device = await requestDevice(choice);
  warnIfSoftwareAdapter(choice.adapter);
  return new WebGPUBackend(choice, device, options);
}
