/**
 * Reads PyTorch checkpoints (`.pt`, `.pth`, `.bin` written by `torch.save` since PyTorch 1.6) without
 * executing anything: the pickle is interpreted by a restricted unpickler that accepts only the
 * tensor-rebuild globals, and tensors are then read storage by storage from the zip archive.
 */
import { fromHost, type Device, type Tensor } from "@diva/tensor";
import { findLayout, storageEntry, type ArchiveLayout } from "./archive-layout.js";
import { TorchCheckpointError } from "./errors.js";
import { flattenCheckpoint } from "./flatten.js";
import { looksLikeLegacyTorch } from "./legacy-format.js";
import { unpickle } from "./pickle/unpickler.js";
import { decodeView, storageUnits } from "./storage-decode.js";
import { lastIndex } from "./strided-gather.js";
import { TORCH_ITEM_SIZE } from "./torch-dtypes.js";
import type { TensorRef } from "./torch-objects.js";
import { createTorchResolver } from "./torch-resolver.js";
import { openZipArchive, type ZipArchive } from "./zip-archive.js";

/** Options of {@link readTorchCheckpoint}. */
export interface ReadTorchCheckpointOptions {
  /** Device the tensors are made on (default: the default device). */
  readonly device?: Device;
  /**
   * Device per PyTorch storage location (`"cpu"`, `"cuda:0"`, ...), like `torch.load`'s `map_location`: a
   * function, or a record looked up by the full location and then by its part before `:`. Locations it
   * leaves out use `device`.
   */
  readonly mapLocation?: ((location: string) => Device | undefined) | Readonly<Record<string, Device>>;
  /** Name used in error messages (default: the path, or `"checkpoint"` for bytes). */
  readonly name?: string;
}

/** What a checkpoint held. */
export interface TorchCheckpointContents {
  /** Tensors by dotted name (nested dicts joined with `.`), in checkpoint order. */
  readonly tensors: Record<string, Tensor>;
  /** Dotted names of entries that are not tensors (numbers, strings, lists, optimizer state, ...). */
  readonly skipped: string[];
}

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
function checkExpansion(refs: Iterable<TensorRef>, label: string): void {
  const stored = new Map<string, number>();
  let loaded = 0;
  for (const ref of refs) {
    stored.set(ref.storage.key, Math.max(stored.get(ref.storage.key) ?? 0, ref.storage.numel));
    loaded += ref.size.reduce((a, b) => a * b, 1);
  }
  let total = 0;
  for (const n of stored.values()) total += n;
  if (loaded > MAX_EXPANSION * total + EXPANSION_ALLOWANCE) {
    throw new TorchCheckpointError(label, `its tensor views would load ${loaded} elements from ${total} stored ones; refusing (overlapping views are copied)`);
  }
}

function deviceFor(location: string, options: ReadTorchCheckpointOptions): Device | undefined {
  const map = options.mapLocation;
  if (typeof map === "function") return map(location) ?? options.device;
  if (map) return map[location] ?? map[location.split(":")[0]!] ?? options.device;
  return options.device;
}

/** Reads every tensor of one storage; the storage bytes are dropped when this returns. */
async function materializeStorage(
  zip: ZipArchive,
  layout: ArchiveLayout,
  label: string,
  group: readonly [string, TensorRef][],
  options: ReadTorchCheckpointOptions,
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
      throw fail(`view (offset ${ref.offset}, size [${ref.size.join(", ")}], stride [${ref.stride.join(", ")}]) reaches element ${last} of a storage of ${ref.storage.numel}`);
    }
    let units = cache.get(dtype);
    if (!units) {
      units = storageUnits(bytes, dtype, layout.bigEndian);
      cache.set(dtype, units);
    }
    const host = decodeView(units, dtype, ref.offset, ref.size, ref.stride, fail);
    out.set(name, fromHost(host.data, host.dtype, [...ref.size], deviceFor(ref.storage.location, options)));
  }
}

/**
 * Reads a PyTorch zip checkpoint from a path or from its bytes. Only `collections.OrderedDict`, the
 * `torch._utils` / `torch._tensor` tensor-rebuild functions, storage classes and dtypes may appear in its
 * pickle; any other global is refused by name (`refusing to unpickle global "os.system"`). From a path each
 * storage is read from its own byte range, one at a time, so the file is never held in memory whole.
 *
 * Loaded dtypes: float32 and float64 as they are; float16 and bfloat16 as float32 (exact); int64 as int32 (a
 * value outside int32 is an error); int32; int16, int8 and uint8 as int32; bool. Non-contiguous views and
 * views sharing a storage are copied into contiguous tensors (a checkpoint whose views would load more than
 * 16 times the elements it stores, plus 2^26, is refused rather than exhausting memory). Errors are {@link TorchCheckpointError}s
 * naming the file and, where there is one, the tensor.
 *
 * @example
 * ```ts
 * const { tensors, skipped } = await readTorchCheckpoint("open_clip_pytorch_model.bin");
 * // checkpoints such as {"state_dict": {...}, "epoch": 3} give "state_dict.visual.conv1.weight" and skipped ["epoch"]
 * ```
 */
export async function readTorchCheckpoint(source: string | Uint8Array, options: ReadTorchCheckpointOptions = {}): Promise<TorchCheckpointContents> {
  const label = options.name ?? (typeof source === "string" ? source : "checkpoint");
  let zip: ZipArchive;
  try {
    zip = await openZipArchive(source, label);
  } catch (e) {
    if (await looksLikeLegacyTorch(source)) {
      throw new TorchCheckpointError(label, "a legacy (pre-1.6, non-zip) torch.save file; re-save it with a current PyTorch", { cause: e });
    }
    throw e;
  }
  const made = new Map<string, Tensor>();
  try {
    const layout = await findLayout(zip, label);
    const pickle = await zip.read(layout.pickle);
    const fail = (message: string) => new TorchCheckpointError(label, message);
    const root = unpickle(pickle, createTorchResolver(fail), (message) => new TorchCheckpointError(label, `${layout.pickle}: ${message}`));
    const flat = flattenCheckpoint(root, fail);
    checkExpansion(flat.tensors.values(), label);
    const groups = new Map<string, [string, TensorRef][]>();
    for (const [name, ref] of flat.tensors) {
      const group = groups.get(ref.storage.key);
      if (group) group.push([name, ref]);
      else groups.set(ref.storage.key, [[name, ref]]);
    }
    for (const group of groups.values()) await materializeStorage(zip, layout, label, group, options, made);
    const tensors: Record<string, Tensor> = {};
    for (const name of flat.tensors.keys()) tensors[name] = made.get(name)!;
    return { tensors, skipped: flat.skipped };
  } catch (e) {
    for (const t of made.values()) t.dispose();
    if (e instanceof TorchCheckpointError) throw e;
    throw new TorchCheckpointError(label, `unreadable checkpoint (${(e as Error)?.message ?? String(e)})`, { cause: e });
  } finally {
    await zip.close();
  }
}
