/// <reference types="@webgpu/types" />
import type { ErrorTracker } from "./errors.js";
import type { CommandQueue } from "./queue.js";
import { gpuWorkTimeoutMs, withDeadline } from "./deadline.js";

const USAGE_RESOLVE = 0x0200 | 0x0004; // QUERY_RESOLVE | COPY_SRC
const USAGE_READBACK = 0x0001 | 0x0008; // MAP_READ | COPY_DST
/** Queries in the first query set of a region; later ones double up to the WebGPU maximum of 4096. */
const FIRST_CHUNK = 64;
const MAX_CHUNK = 4096;

/** GPU time of a closed timing region. */
export interface GpuTime {
  /**
   * Nanoseconds the GPU spent in the region's compute passes: the sum over passes of end-of-pass minus
   * beginning-of-pass timestamps (a pass whose end precedes its beginning counts 0). 0 when no pass ran.
   */
  readonly ns: number;
  /** Compute passes timed (each covers the dispatches recorded between two submissions or copies). */
  readonly passes: number;
}

/** A GPU timing region opened by `WebGPUBackend.gpuTimer()`; close it with `stop()`. */
export interface GpuTimer {
  /**
   * Closes the region: submits the queued work together with the resolution of the timestamps, waits for
   * them and resolves to the GPU time. Releases the region's query sets and buffers whether it resolves or
   * rejects (a recorded device error, device loss). A second call returns the first call's promise.
   */
  stop(): Promise<GpuTime>;
  /** Compute passes recorded in the region so far. */
  readonly passes: number;
}

/** Result of `WebGPUBackend.withGpuTiming(fn)`. */
export interface GpuTiming<T> {
  /** What `fn` returned (awaited). */
  readonly result: T;
  /** GPU nanoseconds of the dispatches recorded while `fn` ran; null when the device lacks timestamp-query. */
  readonly ns: number | null;
  /** Compute passes timed; 0 when `ns` is null. */
  readonly passes: number;
}

/** Where the queue's timed compute passes write their timestamps. */
export interface PassTimestamps {
  /** The timestamp writes of the next compute pass. */
  nextPass(): GPUComputePassTimestampWrites;
}

interface Chunk {
  readonly set: GPUQuerySet;
  readonly capacity: number;
  used: number;
}

/**
 * One timing region: while open, every compute pass the queue begins gets beginning/end-of-pass timestamp
 * writes into query sets of type "timestamp" (a new, larger set when one fills up). `stop()` resolves the
 * used queries into QUERY_RESOLVE buffers, copies them to mappable buffers in the same submission as the
 * last timed work, maps them and sums the pass durations.
 */
export class TimestampRegion implements GpuTimer, PassTimestamps {
  private readonly chunks: Chunk[] = [];
  private stopped: Promise<GpuTime> | undefined;

  constructor(
    private readonly device: GPUDevice,
    private readonly queue: CommandQueue,
    private readonly tracker: ErrorTracker,
  ) {
    // Dispatches recorded before the region stay in an untimed pass.
    queue.startTiming(this);
  }

  get passes(): number {
    return this.chunks.reduce((s, c) => s + c.used / 2, 0);
  }

  nextPass(): GPUComputePassTimestampWrites {
    let chunk = this.chunks[this.chunks.length - 1];
    if (!chunk || chunk.used === chunk.capacity) {
      const capacity = chunk ? Math.min(MAX_CHUNK, chunk.capacity * 2) : FIRST_CHUNK;
      chunk = { set: this.device.createQuerySet({ type: "timestamp", count: capacity, label: "diva gpu timer" }), capacity, used: 0 };
      this.chunks.push(chunk);
    }
    const i = chunk.used;
    chunk.used += 2;
    return { querySet: chunk.set, beginningOfPassWriteIndex: i, endOfPassWriteIndex: i + 1 };
  }

  stop(): Promise<GpuTime> {
    return (this.stopped ??= this.finish());
  }

  private async finish(): Promise<GpuTime> {
    this.queue.stopTiming(this);
    const used = this.chunks.filter((c) => c.used > 0);
    const buffers: GPUBuffer[] = [];
    try {
      if (used.length === 0) return { ns: 0, passes: 0 };
      const readbacks = used.map((c) => {
        const bytes = c.used * 8;
        const resolve = this.device.createBuffer({ size: bytes, usage: USAGE_RESOLVE, label: "diva gpu timer resolve" });
        const readback = this.device.createBuffer({ size: bytes, usage: USAGE_READBACK, label: "diva gpu timer readback" });
        buffers.push(resolve, readback);
        this.queue.record((enc) => {
          enc.resolveQuerySet(c.set, 0, c.used, resolve, 0);
          enc.copyBufferToBuffer(resolve, 0, readback, 0, bytes);
        });
        return readback;
      });
      this.queue.flush();
      await this.check();
      let ns = 0;
      let passes = 0;
      for (const rb of readbacks) {
        try {
          await withDeadline(rb.mapAsync(0x0001), gpuWorkTimeoutMs(), "the GPU timestamps");
        } catch (e) {
          await this.check();
          throw new Error(`webgpu: reading the GPU timestamps back failed: ${(e as Error).message}`);
        }
        const t = new BigUint64Array(rb.getMappedRange().slice(0));
        rb.unmap();
        for (let i = 0; i + 1 < t.length; i += 2) {
          const d = t[i + 1]! - t[i]!;
          if (d > 0n) ns += Number(d);
          passes++;
        }
      }
      await this.check();
      return { ns, passes };
    } finally {
      // Commands that reference the query sets or buffers must be submitted before these are destroyed.
      this.queue.flush();
      for (const b of buffers) b.destroy();
      for (const c of this.chunks) c.set.destroy();
      this.chunks.length = 0;
    }
  }

  private async check(): Promise<void> {
    this.tracker.assertUsable("gpu timer");
    await this.tracker.settle();
    const err = this.tracker.take();
    if (err) throw err;
  }
}
