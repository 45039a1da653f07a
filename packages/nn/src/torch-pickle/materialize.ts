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
 * `deviceFor` picks for the storage's location, into `out`. The storage file must hold exactly the bytes its
 * elements need (numel x itemsize, as torch.save writes it), and only those are read (and CRC-checked). The
 * storage bytes are dropped when this returns, so at most one storage is in memory at a time besides the
 * tensors made.
 */
export async function materializeStorage(
  zip: ZipArchive,
  layout: ArchiveLayout,
  label: string,
  group: readonly (readonly [string, TensorRef])[],
  deviceFor: (location: string) => Device | undefined,
  out: Map<string, Tensor>,
): Promise<void> {
  const [firstName, first] = group[0]!;
  const storage = first.storage;
  const entry = storageEntry(layout, storage.key);
  const size = zip.sizeOf(entry);
  if (size === undefined) throw new TorchCheckpointError(label, `tensor "${firstName}": storage file "${entry}" is missing from the archive`);
  // torch.save refuses to write one storage as two dtypes; a file that does is corrupted or crafted.
  const other = group.find(([, r]) => r.storage.dtype !== storage.dtype);
  if (other) throw new TorchCheckpointError(label, `tensors "${firstName}" and "${other[0]}" view storage "${entry}" as ${storage.dtype} and ${other[1].storage.dtype}`);
  const need = storage.numel * TORCH_ITEM_SIZE[storage.dtype];
  if (size !== need) {
    const relation = size < need ? "fewer" : "more";
    throw new TorchCheckpointError(label, `tensor "${firstName}": storage "${entry}" has ${size} bytes, ${relation} than its ${storage.numel} ${storage.dtype} elements need (${need})`);
  }
  // Views are checked before anything is read, so a bad shape costs no I/O.
  for (const [name, ref] of group) {
    const fail = (message: string) => new TorchCheckpointError(label, `tensor "${name}": ${message}`);
    const numel = ref.size.reduce((a, b) => a * b, 1);
    if (numel > MAX_ELEMENTS) throw fail(`shape [${ref.size.join(", ")}] has ${numel} elements, more than ${MAX_ELEMENTS}`);
    const last = lastIndex(ref.offset, ref.size, ref.stride);
    if (last !== undefined && last >= ref.storage.numel) {
      const view = `offset ${ref.offset}, size [${ref.size.join(", ")}], stride [${ref.stride.join(", ")}]`;
      throw fail(`view (${view}) reaches element ${last} of a storage of ${ref.storage.numel}`);
    }
  }
  const bytes = await zip.read(entry, { size: need });
  const units = storageUnits(bytes, storage.dtype, layout.bigEndian);
  for (const [name, ref] of group) {
    const fail = (message: string) => new TorchCheckpointError(label, `tensor "${name}": ${message}`);
    const host = decodeView(units, storage.dtype, ref.offset, ref.size, ref.stride, fail);
    out.set(name, fromHost(host.data, host.dtype, [...ref.size], deviceFor(ref.storage.location)));
  }
}
