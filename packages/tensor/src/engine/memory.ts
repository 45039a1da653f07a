import type { Backend, Device, Storage } from "../backend/backend.js";

/** A storage shared by the tensor views over it; freed when the last view is disposed. */
export class StorageRef {
  private refs = 0;
  constructor(
    readonly storage: Storage,
    readonly backend: Backend,
  ) {
    counts.storages++;
    counts.bytes[backend.name] = (counts.bytes[backend.name] ?? 0) + storage.byteLength;
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
