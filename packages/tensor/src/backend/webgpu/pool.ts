/// <reference types="@webgpu/types" />
import type { ErrorTracker } from "./errors.js";

/** Options of a buffer pool. */
interface PoolOptions {
  /** Bytes of released buffers kept for reuse; beyond it released buffers are destroyed. */
  readonly maxCachedBytes: number;
  /** The device's maxBufferSize. */
  readonly maxBufferSize: number;
}

/** Size class of a request: 256 bytes or more, rounded up to a quarter of the power of two below it. */
export function sizeClass(bytes: number): number {
  if (bytes <= 256) return 256;
  const step = 2 ** Math.floor(Math.log2(bytes)) / 4;
  return Math.ceil(bytes / step) * step;
}

/**
 * A pool of GPU buffers keyed by size class and usage. A released buffer returns to the pool only after the
 * submission that used it was submitted (`onSubmit`), so queue writes into a reused buffer can never overtake
 * the commands that still read it.
 */
export class BufferPool {
  private readonly free = new Map<string, GPUBuffer[]>();
  private pending: GPUBuffer[] = [];
  private cachedBytes = 0;
  private liveBytes = 0;

  constructor(
    private readonly device: GPUDevice,
    private readonly tracker: ErrorTracker,
    private readonly options: PoolOptions,
  ) {}

  /** A buffer of at least `bytes` bytes with exactly `usage` (GPUBufferUsage flags; a plain number in the public types). */
  acquire(bytes: number, usage: number): GPUBuffer {
    let size = sizeClass(bytes);
    if (size > this.options.maxBufferSize) size = Math.ceil(bytes / 4) * 4;
    const list = this.free.get(key(size, usage));
    const reused = list?.pop();
    if (reused) {
      this.cachedBytes -= reused.size;
      this.liveBytes += reused.size;
      return reused;
    }
    this.device.pushErrorScope("out-of-memory");
    const buffer = this.device.createBuffer({ size, usage });
    this.tracker.watch(this.device.popErrorScope(), () => `allocating a buffer of ${size} bytes (live ${this.liveBytes} bytes)`);
    this.liveBytes += size;
    return buffer;
  }

  /** Returns a buffer; it becomes reusable after the next submission. */
  release(buffer: GPUBuffer): void {
    this.pending.push(buffer);
  }

  /** Returns a buffer that no queued or future command uses (a read-back buffer after unmapping). */
  releaseNow(buffer: GPUBuffer): void {
    this.liveBytes -= buffer.size;
    if (this.cachedBytes + buffer.size > this.options.maxCachedBytes) {
      buffer.destroy();
      return;
    }
    const k = key(buffer.size, buffer.usage);
    let list = this.free.get(k);
    if (!list) this.free.set(k, (list = []));
    list.push(buffer);
    this.cachedBytes += buffer.size;
  }

  /** Called after each queue submission: buffers released before it become reusable. */
  onSubmit(): void {
    const p = this.pending;
    this.pending = [];
    for (const b of p) this.releaseNow(b);
  }

  /** Destroys every cached buffer. */
  trim(): void {
    for (const list of this.free.values()) for (const b of list) b.destroy();
    this.free.clear();
    this.cachedBytes = 0;
  }

  /** Bytes in buffers handed out and not yet released, and bytes cached for reuse. */
  stats(): { liveBytes: number; cachedBytes: number } {
    return { liveBytes: this.liveBytes, cachedBytes: this.cachedBytes };
  }
}

function key(size: number, usage: number): string {
  return `${usage}:${size}`;
}
