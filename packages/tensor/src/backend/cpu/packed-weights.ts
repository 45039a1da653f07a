/**
 * Derived forms of weights computed once: the Winograd-domain form of a 3x3 kernel, or a contiguous copy of
 * a GEMM operand, kept in the WebAssembly kernel memory (`allocF32`) so later calls read them in place.
 * During DIVA the UNet and VAE weights never change, so each conv weight is transformed once, not per step.
 *
 * Invalidation rule: a CPU storage's elements are written only by the kernel (or upload) that creates it,
 * before any tensor refers to it; no API writes into an existing storage. An entry is keyed by the storage
 * object and the view (offset, shape, strides), so it can never describe other elements. It is dropped when
 * the backend frees the storage (`forgetPackedWeights`; a recycled array gets a new storage object) or when
 * the cache is over its byte budget (least recently used first). Should in-place writes ever be added, they
 * must call `forgetPackedWeights` on the storage they write.
 */
import type { Storage, TensorView } from "../backend.js";
import { allocF32, freeF32 } from "./wasm/index.js";

interface Entry {
  owner: Map<string, Entry>;
  key: string;
  data: Float32Array;
  bytes: number;
}

const byStorage = new WeakMap<Storage, Map<string, Entry>>();
/** Entries from least to most recently used. */
const lru = new Set<Entry>();
let cachedBytes = 0;
let capBytes = 256 << 20;
const stats = { hits: 0, misses: 0, evictions: 0 };

/** A weight form: the data, and `release` to call when the caller is done (frees it unless cached). */
interface PackedWeight {
  data: Float32Array;
  release(): void;
}

const keep = (): void => {};

function drop(e: Entry): void {
  lru.delete(e);
  e.owner.delete(e.key);
  cachedBytes -= e.bytes;
  freeF32(e.data);
}

/**
 * The form `kind` (of `size` floats, made by `build`) of the weight `view`: from the cache when present, else
 * built (and cached when it fits the budget). The data stays valid until `release()`.
 */
export function packedWeight(view: TensorView, kind: string, size: number, build: (out: Float32Array) => void): PackedWeight {
  const key = `${kind}|${view.dtype}|${view.offset}|${view.shape.join(",")}|${view.strides.join(",")}`;
  let owner = byStorage.get(view.storage);
  const hit = owner?.get(key);
  if (hit) {
    stats.hits++;
    lru.delete(hit);
    lru.add(hit);
    return { data: hit.data, release: keep };
  }
  stats.misses++;
  const bytes = size * 4;
  const data = allocF32(size);
  build(data);
  // a form larger than half the budget would only push everything else out
  if (bytes > capBytes / 2) return { data, release: () => freeF32(data) };
  if (!owner) byStorage.set(view.storage, (owner = new Map()));
  const e: Entry = { owner, key, data, bytes };
  owner.set(key, e);
  lru.add(e);
  cachedBytes += bytes;
  for (const old of lru) {
    if (cachedBytes <= capBytes) break;
    if (old === e) continue;
    stats.evictions++;
    drop(old);
  }
  return { data, release: keep };
}

/** Drops every cached form of a storage's weights (called when the backend frees the storage). */
export function forgetPackedWeights(storage: Storage): void {
  const owner = byStorage.get(storage);
  if (!owner) return;
  for (const e of [...owner.values()]) drop(e);
  byStorage.delete(storage);
}

/**
 * Sets the byte budget of the packed-weight cache (default 256 MiB; 0 disables caching) and evicts down to
 * it. Returns the previous budget.
 */
export function setPackedWeightCacheBytes(bytes: number): number {
  if (!(bytes >= 0) || !Number.isFinite(bytes)) throw new RangeError(`setPackedWeightCacheBytes: expected a non-negative number of bytes, got ${bytes}`);
  const prev = capBytes;
  capBytes = bytes;
  for (const e of [...lru]) {
    if (cachedBytes <= capBytes) break;
    stats.evictions++;
    drop(e);
  }
  return prev;
}

/** What the packed-weight cache holds and how it has been used (see `packedWeightCacheStats`). */
export interface PackedWeightCacheStats {
  /** Bytes of kernel memory the cached forms occupy. */
  bytes: number;
  /** Cached forms. */
  entries: number;
  /** The byte budget (`setPackedWeightCacheBytes`). */
  capBytes: number;
  /** Lookups that found a cached form. */
  hits: number;
  /** Lookups that had to compute the form. */
  misses: number;
  /** Forms dropped to stay within the budget. */
  evictions: number;
}

/** Bytes and entries held by the packed-weight cache, and its hit, miss and eviction counts. */
export function packedWeightCacheStats(): PackedWeightCacheStats {
  return { bytes: cachedBytes, entries: lru.size, capBytes, ...stats };
}
