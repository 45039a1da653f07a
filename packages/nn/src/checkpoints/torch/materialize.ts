/**
 * Turns tensor views into tensors: storage by storage, checking each view against its storage's size and
 * refusing checkpoints whose overlapping views would expand far beyond what the file stores.
 */
import { fromHost, type Device, type Tensor } from "@diva/tensor";
import { storageEntry, type ArchiveLayout } from "./archive-layout.js";
import { TorchCheckpointError } from "./errors.js";
import { decodeView, storageUnits } from "./storage-decode.js";
import { lastIndex } from "./strided-gather.js";
import { TORCH_ITEM_SIZE } from "./torch-dtypes.js";
import type { TensorRef } from "./torch-objects.js";
import type { ZipArchive } from "./zip-archive.js";

/** Largest tensor, in elements, that can be materialised (the typed-array limit). */
const MAX_ELEMENTS = 2 ** 31 - 1;

/**
 * Views are copied, so overlapping views (the same storage under many names, stride-0 broadcasts) load as
 * more elements than the file stores. Tied weights and split projections stay far below this; a pickle that
 * names one storage thousands of times to exhaust memory does not.
 */
const MAX_EXPANSION = 16;
const EXPANSION_ALLOWANCE = 2 ** 26;

/** Refuses checkpoints whose views would materialise far more elements than their storages hold. */
export function checkExpansion(refs: Iterable<TensorRef>, label: string): void {
  const stored = new Map<string, number>();
  let loaded = 0;
  for (const ref of refs) {
    stored.set(ref.storage.key, Math.max(stored.get(ref.storage.key) ?? 0, ref.storage.numel));
    loaded += ref.size.reduce((a, b) => a * b, 1);
  }
  let total = 0;
  for (const n of stored.values()) total += n;
  if (loaded > MAX_EXPANSION * total + EXPANSION_ALLOWANCE) {
    const detail = `its tensor views would load ${loaded} elements from ${total} stored ones; refusing (overlapping views are copied)`;
    throw new TorchCheckpointError(label, detail);
  }
}

/**
 * Reads one storage file and makes every tensor (`[name, view]` in `group`) that views it, on the device
 * `deviceFor` picks for the storage's location, into `out`. The storage bytes are dropped when this returns,
 * so at most one storage is in memory at a time besides the tensors made.
 */
export async function materializeStorage(
  zip: ZipArchive,
  layout: ArchiveLayout,
  label: string,
  group: readonly (readonly [string, TensorRef])[],
  deviceFor: (location: string) => Device | undefined,
  out: Map<string, Tensor>,
): Promise<void> {
  const storage = group[0]![1].storage;
  const entry = storageEntry(layout, storage.key);
  if (zip.sizeOf(entry) === undefined) {
    throw new TorchCheckpointError(label, `tensor "${group[0]![0]}": storage file "${entry}" is missing from the archive`);
  }
  const bytes = await zip.read(entry);
  const cache = new Map<string, ReturnType<typeof storageUnits>>();
  for (const [name, ref] of group) {
    const fail = (message: string) => new TorchCheckpointError(label, `tensor "${name}": ${message}`);
    const dtype = ref.storage.dtype;
    const itemSize = TORCH_ITEM_SIZE[dtype];
    const elements = Math.floor(bytes.length / itemSize);
    if (elements < ref.storage.numel) {
      throw fail(`storage "${entry}" has ${bytes.length} bytes, fewer than its ${ref.storage.numel} ${dtype} elements need`);
    }
    const numel = ref.size.reduce((a, b) => a * b, 1);
    if (numel > MAX_ELEMENTS) throw fail(`shape [${ref.size.join(", ")}] has ${numel} elements, more than ${MAX_ELEMENTS}`);
    const last = lastIndex(ref.offset, ref.size, ref.stride);
    if (last !== undefined && last >= ref.storage.numel) {
      const view = `offset ${ref.offset}, size [${ref.size.join(", ")}], stride [${ref.stride.join(", ")}]`;
      throw fail(`view (${view}) reaches element ${last} of a storage of ${ref.storage.numel}`);
    }
    let units = cache.get(dtype);
    if (!units) {
      units = storageUnits(bytes, dtype, layout.bigEndian);
      cache.set(dtype, units);
    }
    const host = decodeView(units, dtype, ref.offset, ref.size, ref.stride, fail);
    out.set(name, fromHost(host.data, host.dtype, [...ref.size], deviceFor(ref.storage.location)));
  }
}
