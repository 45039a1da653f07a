/**
 * Seeded malformed safetensors files for the fuzzer: mutations of valid files made by our writer. Case `i` of
 * seed `s` depends only on (s, i), so any case can be rebuilt alone (`--case i`).
 */
import { join } from "node:path";
import { fromHost, MAX_TENSORS, serializeSafetensors, type Tensor } from "@diva/tensor";

/** What a mutation changed: only tensor data bytes, or the header / layout. */
export type Semantic = "data" | "header";

/** One generated file. */
export interface FuzzCase {
  readonly index: number;
  /** Mutation family, e.g. "length-off". */
  readonly kind: string;
  /** A short description of the exact mutation, for reports. */
  readonly detail: string;
  readonly semantic: Semantic;
  /** Which base file it was made from. */
  readonly base: number;
  readonly bytes: Uint8Array;
}

/** A small seeded PRNG (mulberry32). */
export class Rng {
  #s: number;
  constructor(seed: number) {
    this.#s = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.#s = (this.#s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** A seed for case `index` of run `seed` (independent streams per case). */
export function caseSeed(seed: number, index: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  return (h ^ (h >>> 15)) >>> 0;
}

// ---------------------------------------------------------------------------------------------------------
// Valid base files, written by serializeSafetensors.

function floats(rng: Rng, n: number, scale = 8): Float32Array {
  return Float32Array.from({ length: n }, () => Math.round((rng.next() * 2 - 1) * scale * 256) / 256);
}

/** The valid files every case starts from (made by our writer from seeded values). */
export async function makeBaseFiles(seed: number): Promise<Uint8Array[]> {
  const rng = new Rng(caseSeed(seed, -1));
  const t = (data: Float32Array | Float64Array | Int32Array | Uint8Array, dtype: Tensor["dtype"], shape: number[]) =>
    fromHost(data, dtype, shape);
  const files: Uint8Array[] = [];
  const all = {
    w: t(floats(rng, 6), "float32", [2, 3]),
    d: t(Float64Array.from(floats(rng, 3), (v) => v / 3), "float64", [3]),
    h: t(floats(rng, 4), "float32", [4]),
    b: t(floats(rng, 4), "float32", [2, 2]),
    i: t(Int32Array.from({ length: 3 }, () => rng.int(2 ** 31) - 2 ** 30), "int32", [3]),
    flag: t(Uint8Array.from({ length: 5 }, () => rng.int(2)), "bool", [5]),
    s: t(floats(rng, 1), "float32", []),
    e: t(new Float32Array(0), "float32", [0, 4]),
  };
  files.push(await serializeSafetensors(all, { metadata: { format: "pt", note: "ünïcode" }, dtypes: { h: "F16", b: "BF16" } }));
  files.push(await serializeSafetensors({ weight: t(floats(rng, 64), "float32", [64]) }));
  const layers: Record<string, Tensor> = {};
  for (let k = 0; k < 40; k++) {
    const n = (k % 4) + 1;
    layers[`layers.${k}.${k % 3 === 0 ? "bias" : "weight"}`] =
      k % 5 === 0 ? t(Int32Array.from({ length: n }, () => rng.int(100)), "int32", [n]) : t(floats(rng, n), "float32", [n]);
  }
  files.push(await serializeSafetensors(layers, { metadata: { format: "pt" } }));
  files.push(
    await serializeSafetensors({ big: t(floats(rng, 128 * 128), "float32", [128, 128]), ids: t(new Int32Array(16), "int32", [16]) }),
  );
  files.push(await serializeSafetensors({}, { metadata: { only: "metadata" } }));
  files.push(
    await serializeSafetensors({
      'quote"d': t(floats(rng, 2), "float32", [2]),
      "tab\tname": t(floats(rng, 1), "float32", [1]),
      "ü.w": t(floats(rng, 3), "float32", [3]),
    }),
  );
  for (const x of Object.values({ ...all, ...layers })) x.dispose();
  return files;
}

// ---------------------------------------------------------------------------------------------------------
// Header surgery. The base headers are ours (valid JSON), so JSON.parse reads them; mutated headers are
// assembled as text so that duplicates and odd values can be written.

interface Parts {
  entries: [string, unknown][];
  data: Uint8Array;
}

function split(file: Uint8Array): Parts {
  const n = Number(new DataView(file.buffer, file.byteOffset, 8).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(file.subarray(8, 8 + n))) as Record<string, unknown>;
  return { entries: Object.entries(header), data: file.subarray(8 + n) };
}

/** A file from header text and data, with a correct length prefix (and space padding to 8 when `pad`). */
export function assemble(text: string, data: Uint8Array, pad = false): Uint8Array {
  const json = new TextEncoder().encode(text);
  const n = pad ? Math.ceil(json.length / 8) * 8 : json.length;
  const out = new Uint8Array(8 + n + data.length).fill(0x20, 8 + json.length, 8 + n);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
  out.set(json, 8);
  out.set(data, 8 + n);
  return out;
}

function entriesText(entries: readonly (readonly [string, unknown])[], raw: ReadonlyMap<number, string> = new Map()): string {
  return `{${entries.map(([k, v], i) => `${JSON.stringify(k)}:${raw.get(i) ?? JSON.stringify(v)}`).join(",")}}`;
}

function tensorIndices(p: Parts): number[] {
  return p.entries.flatMap(([k], i) => (k === "__metadata__" ? [] : [i]));
}

type Entry = { dtype: unknown; shape: unknown; data_offsets: unknown };

/** The index of a random tensor entry of `p`, or undefined when it has none (draws from `rng` only then). */
function pickTensor(rng: Rng, p: Parts): number | undefined {
  const ids = tensorIndices(p);
  return ids.length ? rng.pick(ids) : undefined;
}

/** The fields of entry `i`, to mutate in place. */
function entryAt(p: Parts, i: number): Entry {
  return p.entries[i]![1] as Entry;
}

/** `mutate` applied to a random tensor entry `i` of `file`; a file without tensors comes back unchanged. */
function onTensor(rng: Rng, file: Uint8Array, mutate: (p: Parts, i: number) => [string, Uint8Array]): [string, Uint8Array] {
  const p = split(file);
  const i = pickTensor(rng, p);
  return i === undefined ? ["no tensors: unchanged", file.slice()] : mutate(p, i);
}

/** Removes the `__metadata__` entry (before a mutation adds its own). */
function dropMetadata(p: Parts): void {
  const m = p.entries.findIndex(([k]) => k === "__metadata__");
  if (m >= 0) p.entries.splice(m, 1);
}

// ---------------------------------------------------------------------------------------------------------
// Mutations. Each returns [detail, bytes]; `header` mutations go through header surgery or raw bytes.

const BIG = [2 << 20, 8 << 20, 32 << 20, 64 << 20];
const ODD_NUMBERS: unknown[] = [-1, 1.5, 2 ** 53, 2 ** 64, -0, "8", null, true, [], {}, 1e300];
const DTYPES: unknown[] = ["F64", "F32", "F16", "BF16", "I64", "I32", "I16", "I8", "U64", "U32", "U16", "U8", "BOOL", "F8_E4M3", "C64", "Q4", "f32", "", 5, null];
const NAMES = ["__proto__", "constructor", "prototype", "a.__proto__.b", "x.prototype", "", "é", "\u0000", "w\\u0000", "toString", "hasOwnProperty"];

type Mutation = (rng: Rng, file: Uint8Array, maxBig: number) => [string, Uint8Array];

function flips(rng: Rng, file: Uint8Array, from: number, to: number): [string, Uint8Array] {
  const out = file.slice();
  const done: string[] = [];
  const n = 1 + rng.int(4);
  for (let k = 0; k < n; k++) {
    const at = from + rng.int(to - from);
    const v = rng.int(256);
    done.push(`[${at}]=${v}`);
    out[at] = v;
  }
  return [done.join(" "), out];
}

function headerLength(file: Uint8Array): number {
  return Number(new DataView(file.buffer, file.byteOffset, 8).getBigUint64(0, true));
}

function setPrefix(file: Uint8Array, n: bigint): Uint8Array {
  const out = file.slice();
  new DataView(out.buffer).setBigUint64(0, BigInt.asUintN(64, n), true);
  return out;
}

const MUTATIONS: Record<string, [Semantic, Mutation]> = {
  "flip-header": ["header", (rng, f) => flips(rng, f, 8, 8 + headerLength(f))],
  "flip-data": ["data", (rng, f) => (f.length > 8 + headerLength(f) ? flips(rng, f, 8 + headerLength(f), f.length) : flips(rng, f, 8, 8 + headerLength(f)))],
  "flip-prefix": ["header", (rng, f) => flips(rng, f, 0, 8)],
  "length-off": [
    "header",
    (rng, f) => {
      const k = rng.pick([1, 2, 3, 4, 5, 7, 8, 16, 64, 1024]) * (rng.chance(0.5) ? -1 : 1);
      return [`N${k > 0 ? "+" : ""}${k}`, setPrefix(f, BigInt(Math.max(0, headerLength(f) + k)))];
    },
  ],
  truncate: ["header", (rng, f) => { const at = rng.int(f.length); return [`cut at ${at} of ${f.length}`, f.slice(0, at)]; }],
  trailing: [
    "header",
    (rng, f) => {
      const n = 1 + rng.int(64);
      const fill = rng.pick(["random", "zero", "space"]);
      const extra = Uint8Array.from({ length: n }, () => (fill === "random" ? rng.int(256) : fill === "zero" ? 0 : 0x20));
      const out = new Uint8Array(f.length + n);
      out.set(f);
      out.set(extra, f.length);
      return [`${n} ${fill} bytes appended`, out];
    },
  ],
  offsets: [
    "header",
    (rng, f) => {
      const p = split(f);
      const i = pickTensor(rng, p);
      if (i === undefined) return ["no tensors: added [0,4] entry", assemble(entriesText([...p.entries, ["x", { dtype: "F32", shape: [1], data_offsets: [0, 4] }]]), p.data)];
      const e = entryAt(p, i);
      const [b, end] = e.data_offsets as [number, number];
      const k = rng.pick([1, 2, 4, 8, 64]) * (rng.chance(0.5) ? -1 : 1);
      const op = rng.pick(["begin", "end", "shift", "zero", "odd"]);
      if (op === "begin") e.data_offsets = [b + k, end];
      if (op === "end") e.data_offsets = [b, end + k];
      if (op === "shift") e.data_offsets = [b + k, end + k];
      if (op === "zero") e.data_offsets = [0, 0];
      if (op === "odd") e.data_offsets = rng.chance(0.5) ? [rng.pick(ODD_NUMBERS), end] : [b, rng.pick(ODD_NUMBERS)];
      return [`${p.entries[i]![0]} ${op} -> ${JSON.stringify(e.data_offsets)}`, assemble(entriesText(p.entries), p.data, rng.chance(0.5))];
    },
  ],
  "swap-offsets": [
    "header",
    (rng, f) => {
      const p = split(f);
      const ids = tensorIndices(p);
      if (ids.length < 2) return ["fewer than 2 tensors: unchanged", f.slice()];
      const i = rng.pick(ids);
      const j = rng.pick(ids.filter((x) => x !== i));
      const a = entryAt(p, i);
      const b = entryAt(p, j);
      [a.data_offsets, b.data_offsets] = [b.data_offsets, a.data_offsets];
      return [`swap ${p.entries[i]![0]} <-> ${p.entries[j]![0]}`, assemble(entriesText(p.entries), p.data)];
    },
  ],
  shape: [
    "header",
    (rng, f) => onTensor(rng, f, (p, i) => {
      const e = entryAt(p, i);
      const shape = [...(e.shape as number[])];
      const op = rng.pick(["plus", "minus", "push1", "pop", "reverse", "odd", "rank65", "empty"]);
      const d = shape.length ? rng.int(shape.length) : 0;
      if (op === "plus" && shape.length) shape[d] = shape[d]! + 1 + rng.int(3);
      if (op === "minus" && shape.length) shape[d] = shape[d]! - 1 - rng.int(3);
      if (op === "push1") shape.push(1);
      if (op === "pop") shape.pop();
      if (op === "reverse") shape.reverse();
      if (op === "odd") (shape as unknown[])[d] = rng.pick(ODD_NUMBERS);
      if (op === "rank65") (e as { shape: unknown }).shape = Array.from({ length: 65 }, () => 1);
      else if (op === "empty") e.shape = [];
      else e.shape = shape;
      return [`${p.entries[i]![0]} ${op} -> ${JSON.stringify(e.shape).slice(0, 40)}`, assemble(entriesText(p.entries), p.data)];
    }),
  ],
  dtype: [
    "header",
    (rng, f) => onTensor(rng, f, (p, i) => {
      const e = entryAt(p, i);
      e.dtype = rng.pick(DTYPES);
      return [`${p.entries[i]![0]} dtype -> ${JSON.stringify(e.dtype)}`, assemble(entriesText(p.entries), p.data, true)];
    }),
  ],
  duplicate: [
    "header",
    (rng, f) => {
      const p = split(f);
      const ids = tensorIndices(p);
      const op = ids.length ? rng.pick(["same-entry", "other-entry", "field", "metadata-key", "metadata"]) : "metadata";
      const raw = new Map<number, string>();
      if (op === "same-entry" || op === "other-entry") {
        const i = rng.pick(ids);
        const [k, v] = p.entries[i]!;
        const copy = op === "same-entry" ? v : { ...(v as Entry), data_offsets: [0, 0], shape: [0] };
        p.entries.splice(rng.int(p.entries.length + 1), 0, [k, copy]);
        return [`${op} ${k}`, assemble(entriesText(p.entries), p.data)];
      }
      if (op === "field") {
        const i = rng.pick(ids);
        const e = entryAt(p, i);
        const field = rng.pick(["dtype", "shape", "data_offsets"] as const);
        raw.set(i, `{"dtype":${JSON.stringify(e.dtype)},"shape":${JSON.stringify(e.shape)},"data_offsets":${JSON.stringify(e.data_offsets)},"${field}":${JSON.stringify(e[field])}}`);
        return [`field ${field} twice in ${p.entries[i]![0]}`, assemble(entriesText(p.entries, raw), p.data)];
      }
      if (op === "metadata-key") {
        const m = p.entries.findIndex(([k]) => k === "__metadata__");
        if (m >= 0) {
          raw.set(m, `{"format":"pt","format":"np"}`);
          return ["metadata key twice", assemble(entriesText(p.entries, raw), p.data)];
        }
      }
      p.entries.push(["__metadata__", { a: "b" }], ["__metadata__", { a: "c" }]);
      return ["__metadata__ twice", assemble(entriesText(p.entries), p.data)];
    },
  ],
  nesting: [
    "header",
    (rng, f) => {
      const p = split(f);
      const ids = tensorIndices(p);
      const depth = rng.pick([2, 3, 4, 100, 10_000, 1_000_000]);
      const object = rng.chance(0.5);
      const bomb = object ? `${'{"a":'.repeat(depth)}0${"}".repeat(depth)}` : `${"[".repeat(depth)}${"]".repeat(depth)}`;
      const raw = new Map<number, string>();
      const where = ids.length ? rng.pick(["unknown-field", "metadata", "top", "shape"]) : "top";
      if (where === "unknown-field" || where === "shape") {
        const i = rng.pick(ids);
        const e = entryAt(p, i);
        raw.set(
          i,
          where === "shape"
            ? `{"dtype":${JSON.stringify(e.dtype)},"shape":[${bomb}],"data_offsets":${JSON.stringify(e.data_offsets)}}`
            : `{"dtype":${JSON.stringify(e.dtype)},"shape":${JSON.stringify(e.shape)},"data_offsets":${JSON.stringify(e.data_offsets)},"x":${bomb}}`,
        );
      } else if (where === "metadata") {
        dropMetadata(p);
        p.entries.push(["__metadata__", null]);
        raw.set(p.entries.length - 1, `{"deep":${bomb}}`);
      } else {
        p.entries.push(["deep", null]);
        raw.set(p.entries.length - 1, bomb);
      }
      return [`${object ? "objects" : "arrays"} ${depth} deep in ${where}`, assemble(entriesText(p.entries, raw), p.data)];
    },
  ],
  "huge-length": [
    "header",
    (rng, f) => {
      const n = rng.pick([2n ** 64n - 1n, 2n ** 63n, 2n ** 53n, 2n ** 32n, 100_000_001n, 100_000_000n, BigInt(f.length - 7), BigInt(f.length), 0n, 1n]);
      return [`N=${n}`, setPrefix(f, n)];
    },
  ],
  "big-header": [
    "header",
    (rng, f, maxBig) => {
      const p = split(f);
      const size = Math.min(rng.pick(BIG), maxBig);
      const op = rng.pick(["spaces", "metadata-string", "name", "long-number", "spaces-99MB"]);
      if (op === "spaces" || op === "spaces-99MB") {
        // Valid: the header may be padded with whitespace. Loads the same tensors.
        const text = entriesText(p.entries);
        const n = op === "spaces-99MB" ? Math.min(99_000_000, maxBig) : size;
        return [`${op} (${n} bytes)`, assemble(text + " ".repeat(Math.max(0, n - text.length)), p.data)];
      }
      if (op === "metadata-string") {
        dropMetadata(p);
        p.entries.push(["__metadata__", { big: "x".repeat(size) }]);
        return [`metadata string of ${size} bytes`, assemble(entriesText(p.entries), p.data)];
      }
      const ids = tensorIndices(p);
      if (op === "name" && ids.length) {
        const i = rng.pick(ids);
        p.entries[i]![0] = "n".repeat(size);
        return [`tensor name of ${size} bytes`, assemble(entriesText(p.entries), p.data)];
      }
      const raw = new Map<number, string>();
      dropMetadata(p);
      p.entries.push(["__metadata__", null]);
      raw.set(p.entries.length - 1, `{"n":${"1".repeat(size)}}`);
      return [`number of ${size} digits in metadata`, assemble(entriesText(p.entries, raw), p.data)];
    },
  ],
  "many-tensors": [
    "header",
    (rng, f, maxBig) => {
      const p = split(f);
      const have = tensorIndices(p).length;
      const entry = `{"dtype":"F32","shape":[0],"data_offsets":[0,0]}`;
      const wanted = rng.pick([MAX_TENSORS - 1, MAX_TENSORS, MAX_TENSORS + 1, 2 * MAX_TENSORS, 1_500_000]);
      const total = Math.min(wanted, Math.floor(maxBig / 60)); // about 60 bytes per entry
      const text = entriesText(p.entries);
      const extra: string[] = [];
      for (let k = 0; k < total - have; k++) extra.push(`"many.${k}":${entry}`);
      const body = extra.length ? `${text.slice(0, -1)}${text.length > 2 ? "," : ""}${extra.join(",")}}` : text;
      return [`${Math.max(total, have)} tensors`, assemble(body, p.data)];
    },
  ],
  metadata: [
    "header",
    (rng, f) => {
      const p = split(f);
      const m = p.entries.findIndex(([k]) => k === "__metadata__");
      const value = rng.pick<unknown>([5, true, null, {}, [], { a: "b" }, "ok", ["x"], 1.5]);
      if (rng.chance(0.5)) {
        if (m >= 0) p.entries.splice(m, 1);
        p.entries.unshift(["__metadata__", value]);
        return [`__metadata__ = ${JSON.stringify(value)}`, assemble(entriesText(p.entries), p.data)];
      }
      const meta = m >= 0 ? { ...(p.entries[m]![1] as Record<string, unknown>) } : {};
      const key = rng.pick(["format", "note", "new"]);
      meta[key] = value;
      if (m >= 0) p.entries[m]![1] = meta;
      else p.entries.unshift(["__metadata__", meta]);
      return [`__metadata__.${key} = ${JSON.stringify(value)}`, assemble(entriesText(p.entries), p.data)];
    },
  ],
  names: [
    "header",
    (rng, f) => onTensor(rng, f, (p, i) => {
      const name = rng.pick(NAMES);
      p.entries[i]![0] = name;
      return [`rename ${JSON.stringify(name)}`, assemble(entriesText(p.entries), p.data)];
    }),
  ],
  syntax: [
    "header",
    (rng, f) => {
      const n = headerLength(f);
      const text = new TextDecoder().decode(f.subarray(8, 8 + n));
      const at = rng.int(text.length + 1);
      const op = rng.pick(["insert", "delete"]);
      const ch = rng.pick(["{", "}", "[", "]", ",", ":", '"', "\\", "0", "-", "e", ".", "n", " ", "\t", "\u0001", "é"]);
      const changed = op === "insert" ? text.slice(0, at) + ch + text.slice(at) : text.slice(0, at) + text.slice(at + 1);
      return [`${op} ${JSON.stringify(op === "insert" ? ch : text[at] ?? "")} at ${at}`, assemble(changed, f.subarray(8 + n))];
    },
  ],
};

/** The mutation families, in a fixed order. */
export const KINDS: readonly string[] = Object.keys(MUTATIONS);

// Huge files are slow to make and load: they come a quarter as often as the other families.
const WEIGHTS: Readonly<Record<string, number>> = { "big-header": 0.25, "many-tensors": 0.25 };
const TOTAL_WEIGHT = KINDS.reduce((a, k) => a + (WEIGHTS[k] ?? 1), 0);

function pickKind(rng: Rng): string {
  let r = rng.next() * TOTAL_WEIGHT;
  for (const k of KINDS) {
    r -= WEIGHTS[k] ?? 1;
    if (r < 0) return k;
  }
  return KINDS[KINDS.length - 1]!;
}

/** Case `index` of run `seed`: a mutation of one of `bases`. `maxBig` caps the size of huge headers. */
export function makeCase(seed: number, index: number, bases: readonly Uint8Array[], maxBig = 64 << 20): FuzzCase {
  const rng = new Rng(caseSeed(seed, index));
  const kind = pickKind(rng);
  const base = rng.int(bases.length);
  const [semantic, mutate] = MUTATIONS[kind]!;
  const [detail, bytes] = mutate(rng, bases[base]!, maxBig);
  return { index, kind, detail, semantic, base, bytes };
}

/** Paths of case `index` in the case folder. */
export function casePaths(dir: string, index: number): { bytes: string; meta: string } {
  const name = `case-${String(index).padStart(6, "0")}`;
  return { bytes: join(dir, `${name}.safetensors`), meta: join(dir, `${name}.json`) };
}

/** Path of base file `k` in the case folder. */
export function basePath(dir: string, k: number): string {
  return join(dir, `base-${k}.safetensors`);
}
