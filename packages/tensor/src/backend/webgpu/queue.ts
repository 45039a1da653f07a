/// <reference types="@webgpu/types" />
import type { BufferPool } from "./pool.js";
import type { PassTimestamps } from "./timing.js";

/** A buffer bound to a kernel: the whole of `size` bytes from offset 0. */
export interface Binding {
  readonly buffer: GPUBuffer;
  readonly size: number;
}

/** A compiled pipeline with its bind group layout (fetched once). */
export interface PipelineEntry {
  readonly pipeline: GPUComputePipeline;
  readonly layout: GPUBindGroupLayout;
}

/** Options of a command queue. */
interface QueueOptions {
  /** Dispatches recorded before the encoder is submitted without waiting for a read. */
  readonly maxDispatchesPerSubmit: number;
  /** The device's minUniformBufferOffsetAlignment. */
  readonly uniformAlign: number;
}

const ARENA_BYTES = 1 << 18;
const USAGE_UNIFORM = 0x0040 | 0x0008; // UNIFORM | COPY_DST

/**
 * Records dispatches into one command encoder (one compute pass) and submits it when data is read, when
 * `maxDispatchesPerSubmit` dispatches are queued or when the uniform arena is full. Each dispatch's uniforms
 * (shapes, strides, scalars) go into a CPU mirror of a uniform arena, written to the GPU with one
 * `writeBuffer` just before the submission that uses them; queue order makes reusing the arena safe.
 * While a timing region is open (`startTiming`), each compute pass writes beginning/end-of-pass timestamps.
 */
export class CommandQueue {
  private encoder: GPUCommandEncoder | undefined;
  private pass: GPUComputePassEncoder | undefined;
  private dispatches = 0;
  private readonly arena: GPUBuffer;
  private readonly mirror = new Uint8Array(ARENA_BYTES);
  private arenaUsed = 0;
  private submissions = 0;
  private timer: PassTimestamps | undefined;

  constructor(
    private readonly device: GPUDevice,
    private readonly pool: BufferPool,
    private readonly options: QueueOptions,
  ) {
    this.arena = device.createBuffer({ size: ARENA_BYTES, usage: USAGE_UNIFORM, label: "diva uniform arena" });
  }

  /** Number of queue submissions so far. */
  get submitted(): number {
    return this.submissions;
  }

  /** Records one dispatch of `entry` with uniforms `params` (binding 0) and `buffers` (bindings 1..). */
  dispatch(entry: PipelineEntry, params: Uint32Array, buffers: readonly Binding[], workgroups: readonly [number, number, number]): void {
    const bytes = Math.max(16, Math.ceil(params.byteLength / 16) * 16);
    let offset = alignUp(this.arenaUsed, this.options.uniformAlign);
    if (offset + bytes > ARENA_BYTES) {
      this.flush();
      offset = 0;
    }
    this.mirror.set(new Uint8Array(params.buffer, params.byteOffset, params.byteLength), offset);
    this.arenaUsed = offset + bytes;
    const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: this.arena, offset, size: bytes } }];
    for (let i = 0; i < buffers.length; i++) {
      entries.push({ binding: i + 1, resource: { buffer: buffers[i]!.buffer, offset: 0, size: buffers[i]!.size } });
    }
    const group = this.device.createBindGroup({ layout: entry.layout, entries });
    const pass = this.computePass();
    pass.setPipeline(entry.pipeline);
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(workgroups[0], workgroups[1], workgroups[2]);
    if (++this.dispatches >= this.options.maxDispatchesPerSubmit) this.flush();
  }

  /** Records a buffer-to-buffer copy (ends the open compute pass). */
  copy(src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, size: number): void {
    this.endPass();
    this.commandEncoder().copyBufferToBuffer(src, srcOffset, dst, dstOffset, size);
  }

  /** Records commands outside compute passes (ends the open compute pass). */
  record(fn: (encoder: GPUCommandEncoder) => void): void {
    this.endPass();
    fn(this.commandEncoder());
  }

  /**
   * Gives every compute pass begun from now on timestamp writes from `timer`, until `stopTiming`. The open
   * pass is ended first, so dispatches recorded before stay out of the timed passes. One timer at a time.
   */
  startTiming(timer: PassTimestamps): void {
    if (this.timer) throw new Error("webgpu: a GPU timing region is already open on this backend (regions cannot nest or overlap)");
    this.endPass();
    this.timer = timer;
  }

  /** Ends the open (timed) pass and stops timing passes, if `timer` is the one timing them. */
  stopTiming(timer: PassTimestamps): void {
    if (this.timer !== timer) return;
    this.endPass();
    this.timer = undefined;
  }

  /** Submits everything recorded so far (no-op when nothing is). */
  flush(): void {
    this.endPass();
    const enc = this.encoder;
    if (!enc) return;
    this.encoder = undefined;
    if (this.arenaUsed > 0) this.device.queue.writeBuffer(this.arena, 0, this.mirror, 0, alignUp(this.arenaUsed, 4));
    this.device.queue.submit([enc.finish()]);
    this.arenaUsed = 0;
    this.dispatches = 0;
    this.submissions++;
    this.pool.onSubmit();
  }

  /** Number of dispatches recorded and not yet submitted. */
  get queued(): number {
    return this.dispatches;
  }

  private commandEncoder(): GPUCommandEncoder {
    return (this.encoder ??= this.device.createCommandEncoder());
  }

  private computePass(): GPUComputePassEncoder {
    if (this.pass) return this.pass;
    const enc = this.commandEncoder();
    this.pass = this.timer ? enc.beginComputePass({ timestampWrites: this.timer.nextPass() }) : enc.beginComputePass();
    return this.pass;
  }

  private endPass(): void {
    if (this.pass) {
      this.pass.end();
      this.pass = undefined;
    }
  }
}

function alignUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}
