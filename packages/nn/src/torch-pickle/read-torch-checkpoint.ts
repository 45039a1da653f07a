/**
 * Reads PyTorch checkpoints (`.pt`, `.pth`, `.bin` written by `torch.save` since PyTorch 1.6) without
 * executing anything: the pickle is interpreted by a restricted unpickler that accepts only the
 * tensor-rebuild globals, and tensors are then read storage by storage from the zip archive.
 */
import { nameRecord, type Device, type Tensor } from "@diva/tensor";
import { findLayout } from "./archive-layout.js";
import { TorchCheckpointError } from "./errors.js";
import { flattenCheckpoint } from "./flatten.js";
import { looksLikeLegacyTorch } from "./legacy-format.js";
import { checkExpansion, materializeStorage } from "./materialize.js";
import { PickleBudget } from "./pickle/budget.js";
import { unpickle } from "./pickle/unpickler.js";
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

/** The largest data.pkl read (a state dict of 100k tensors pickles to a few tens of MB). */
const MAX_PICKLE_BYTES = 256 * 1024 * 1024;

function pickDevice(location: string, options: ReadTorchCheckpointOptions): Device | undefined {
  const map = options.mapLocation;
  if (typeof map === "function") return map(location) ?? options.device;
  if (map) {
    // Own properties only: a location read from the file ("constructor", "__proto__") must not reach Object.prototype.
    const base = location.split(":")[0]!;
    if (Object.hasOwn(map, location)) return map[location];
    if (Object.hasOwn(map, base)) return map[base];
  }
  return options.device;
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
 * 16 times the elements it stores, plus 2^26, is refused rather than exhausting memory). Errors are
 * {@link TorchCheckpointError}s naming the file and, where there is one, the tensor or archive entry.
 *
 * Hostile files fail cleanly: every zip offset and size is checked against the file before it is read, local
 * and central headers must agree and entries must not overlap; a storage must hold exactly numel x itemsize
 * bytes and its CRC-32 must match; the unpickle's work and memory are bounded by the pickle's size (memo
 * bombs fail fast); names with a `__proto__`, `constructor` or `prototype` segment are refused.
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
    const pickle = await zip.read(layout.pickle, { maxSize: MAX_PICKLE_BYTES });
    const fail = (message: string) => new TorchCheckpointError(label, message);
    const pickleFail = (message: string) => new TorchCheckpointError(label, `${layout.pickle}: ${message}`);
    const budget = new PickleBudget(pickle.length, pickleFail);
    const root = unpickle(pickle, createTorchResolver(fail, budget), pickleFail, budget);
    const flat = flattenCheckpoint(root, fail, budget);
    checkExpansion(flat.tensors.values(), label);
    const groups = new Map<string, [string, TensorRef][]>();
    for (const [name, ref] of flat.tensors) {
      const group = groups.get(ref.storage.key);
      if (group) group.push([name, ref]);
      else groups.set(ref.storage.key, [[name, ref]]);
    }
    const deviceFor = (location: string) => pickDevice(location, options);
    for (const group of groups.values()) await materializeStorage(zip, layout, label, group, deviceFor, made);
    // A prototype-less record: names from the file are own keys, and absent names read as undefined.
    const tensors = nameRecord<Tensor>([...flat.tensors.keys()].map((name) => [name, made.get(name)!] as const));
    return { tensors, skipped: flat.skipped };
  } catch (e) {
    for (const t of made.values()) t.dispose();
    if (e instanceof TorchCheckpointError) throw e;
    throw new TorchCheckpointError(label, `unreadable checkpoint (${(e as Error)?.message ?? String(e)})`, { cause: e });
  } finally {
    await zip.close();
  }
}
