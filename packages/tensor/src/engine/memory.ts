import type { Backend, Device, Storage } from "../backend/backend.js";

/** A storage shared by the tensor views over it; freed when the last view is disposed. */
export class StorageRef {
  private refs = 0;
  constructor(
    readonly storage: Storage,
    readonly backend: Backend,
  ) {
    counts.storages++;
    const now = (counts.bytes[backend.name] ?? 0) + storage.byteLength;
    counts.bytes[backend.name] = now;
    if (now > (peak[backend.name] ?? 0)) peak[backend.name] = now;
  }
  retain(): void {
    this.refs++;
  }
  release(): void {
    if (--this.refs === 0) {
      counts.storages--;
      counts.bytes[this.backend.name] = (counts.bytes[this.backend.name] ?? 0) - this.storage.byteLength;
      this.backend.free(this.storage);
    }
  }
}

const counts = { tensors: 0, storages: 0, bytes: {} as Partial<Record<Device, number>> };
/** Largest `counts.bytes` per device since the start or the last `resetPeakMemory`. */
let peak: Partial<Record<Device, number>> = {};

/** @internal */
export function countTensor(delta: number): void {
  counts.tensors += delta;
}

/** What is alive now. */
export interface MemoryInfo {
  /** Tensor handles not yet disposed (views count once each). */
  readonly tensors: number;
  /** Distinct storages (device buffers) alive. */
  readonly storages: number;
  /** Bytes held by live storages, per device. */
  readonly bytes: Partial<Record<Device, number>>;
}

/** Live tensors, storages and bytes per device. */
export function memory(): MemoryInfo {
  return { tensors: counts.tensors, storages: counts.storages, bytes: { ...counts.bytes } };
}

/**
 * The largest bytes held by live storages, per device, since the process started or since the last
 * {@link resetPeakMemory}: the deterministic part of a computation's peak memory (a process's resident size
 * adds kernel scratch, pooled arrays and, on the CPU, freed arrays the garbage collector has not reclaimed yet).
 */
export function peakMemory(): Partial<Record<Device, number>> {
  return { ...peak };
}

/** Starts a new peak window at the current live bytes (see {@link peakMemory}). */
export function resetPeakMemory(): void {
  peak = { ...counts.bytes };
}
