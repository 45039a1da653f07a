/**
 * Seeded malformed and malicious PyTorch checkpoints for the torch fuzzer: mutations of valid files made by the
 * test writer of packages/nn (byte flips, truncation, header and zip64 field edits, size lies, overlapping
 * entries, deflate bombs) and hostile pickles (memo bombs, deep nesting, code-execution globals, huge shapes,
 * prototype names). Case `i` of seed `s` depends only on (s, i), so a child process can rebuild any case alone.
 */
import { deflateRawSync } from "node:zlib";
import { OP } from "../../packages/nn/src/torch-pickle/pickle/opcodes.js";
import { PickleWriter } from "../../packages/nn/test/support/torch-pickle/pickle-writer.js";
import { buildCheckpoint, dictOf, pickleCheckpoint, tensorOf, type StorageSpec, type ValueSpec } from "../../packages/nn/test/support/torch-pickle/torch-checkpoint-writer.js";
import { CENTRAL, LOCAL, zipLayout, type ZipLayout } from "../../packages/nn/test/support/torch-pickle/zip-layout.js";
import { crc32, writeZip } from "../../packages/nn/test/support/torch-pickle/zip-writer.js";

/** What a mutation changed: only bytes of tensor data (a load must then equal the original or fail), or more. */
export type Touches = "data" | "structure";

/** One generated file. */
export interface TorchCase {
  readonly index: number;
  /** Mutation family, e.g. "zip64-field". */
  readonly kind: string;
  /** The exact mutation, for reports. */
  readonly detail: string;
  readonly touches: Touches;
  /** The valid file it was made from (an index into {@link baseCheckpoint}), when it was. */
  readonly base: number;
  readonly bytes: Uint8Array;
}

/** A small seeded PRNG (mulberry32). */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** Integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
}

function caseSeed(seed: number, index: number): number {
  let h = Math.imul(seed ^ 0x5bd1e995, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  return (h ^ (h >>> 15)) >>> 0;
}

/** Size limits of the bombs. */
interface Limits {
  readonly ops: number;
  readonly inflated: number;
  readonly longBytes: number;
}
const FULL: Limits = { ops: 1_500_000, inflated: 64 << 20, longBytes: 4 << 20 };
const LIGHT: Limits = { ops: 200_000, inflated: 16 << 20, longBytes: 1 << 20 };
let limits = FULL;

// ---------------------------------------------------------------------------------------------------------
// Valid base files.

const ramp = (n: number, scale = 0.25) => Array.from({ length: n }, (_, i) => ((i * 37) % 101) * scale - 12);

function baseSpecs(): { spec: ValueSpec; zip64: boolean; deflate?: string[] }[] {
  const w: StorageSpec = { key: "0", dtype: "float32", values: ramp(96) };
  const b: StorageSpec = { key: "1", dtype: "float16", values: ramp(12, 0.5) };
  const steps: StorageSpec = { key: "2", dtype: "int64", values: [123456n] };
  const bf: StorageSpec = { key: "3", dtype: "bfloat16", values: ramp(64, 1) };
  const ids: StorageSpec = { key: "4", dtype: "int32", values: Array.from({ length: 40 }, (_, i) => i * 1000 - 7) };
  const mask: StorageSpec = { key: "5", dtype: "bool", values: Array.from({ length: 24 }, (_, i) => i % 3 === 0) };
  const d: StorageSpec = { key: "6", dtype: "float64", values: ramp(32, 0.125) };
  return [
    { spec: dictOf([["w", tensorOf(w, [8, 12])], ["b", tensorOf(b, [12])], ["steps", tensorOf(steps, [])], ["meta", dictOf([["epoch", 3]])]]), zip64: true },
    {
      spec: dictOf(
        [
          ["state_dict", dictOf([["enc.weight", tensorOf(bf, [8, 8], { stride: [1, 8] })], ["enc.ids", tensorOf(ids, [40])], ["enc.mask", tensorOf(mask, [4, 6])]])],
          ["epoch", 5],
          ["name", "run"],
        ],
        false,
      ),
      zip64: false,
    },
    { spec: dictOf([["w", tensorOf(w, [96])], ["d", tensorOf(d, [4, 8])]]), zip64: true, deflate: ["data.pkl", "data/0"] },
    {
      spec: dictOf([
        ["p", tensorOf(w, [8, 12], { parameter: true })],
        ["half", tensorOf(w, [48], { offset: 48 })],
        ["s", tensorOf(d, [2, 2], { fromType: true })],
      ]),
      zip64: true,
    },
  ];
}

const bases = new Map<number, Uint8Array>();

/** Number of valid base files. */
export const BASE_COUNT = baseSpecs().length;

/** Valid base file `i`. */
export function baseCheckpoint(i: number): Uint8Array {
  let b = bases.get(i);
  if (!b) {
    const s = baseSpecs()[i]!;
    b = buildCheckpoint(s.spec, { zip64: s.zip64, deflate: s.deflate });
    bases.set(i, b);
  }
  return b;
}

function basePickle(i: number): Uint8Array {
  return pickleCheckpoint(baseSpecs()[i]!.spec).pickle;
}

// ---------------------------------------------------------------------------------------------------------
// Byte helpers.

function dv(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** Interesting 32-bit values near `v`. */
function u32Values(rng: Rng, v: number): number {
  return rng.pick([0, 1, v + 1, v - 1 < 0 ? 0 : v - 1, v + 64, v * 2, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, rng.int(2 ** 32)]) >>> 0;
}

/** Interesting 64-bit values, as a bigint. */
function u64Value(rng: Rng, v: bigint, size: number): bigint {
  const choices = [0n, 1n, v + 1n, v > 0n ? v - 1n : 0n, BigInt(size), BigInt(size) + 1n, 2n ** 32n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n - 1n];
  return rng.pick([...choices, BigInt(rng.int(2 ** 32)) << BigInt(rng.int(33))]) & (2n ** 64n - 1n);
}

/** Storage data ranges [start, end) of a base archive. */
function storageRanges(layout: ZipLayout): [number, number][] {
  return layout.entries.filter((e) => /\/data\/[^/]+$/.test(e.name)).map((e) => [e.dataStart, e.dataStart + e.compressedSize]);
}

const inRanges = (at: number, ranges: readonly [number, number][]) => ranges.some(([s, e]) => at >= s && at < e);

/** A zip holding base `i`'s files with `pickle` as data.pkl (a correct archive around a hostile pickle). */
function withPickle(i: number, pickle: Uint8Array): Uint8Array {
  const s = baseSpecs()[i]!;
  return buildCheckpoint(s.spec, { pickle, zip64: s.zip64 });
}

// ---------------------------------------------------------------------------------------------------------
// Mutation families. Each returns [detail, bytes, touches].

type Made = [detail: string, bytes: Uint8Array, touches: Touches];

function flip(rng: Rng, base: Uint8Array): Made {
  const bytes = base.slice();
  const ranges = storageRanges(zipLayout(base));
  const n = rng.range(1, 4);
  const at: number[] = [];
  for (let k = 0; k < n; k++) {
    const p = rng.int(bytes.length);
    bytes[p] = rng.int(256);
    at.push(p);
  }
  return [`bytes ${at.join(",")} changed`, bytes, at.every((p) => inRanges(p, ranges) || bytes[p] === base[p]) ? "data" : "structure"];
}

function dataFlip(rng: Rng, base: Uint8Array): Made {
  const bytes = base.slice();
  const ranges = storageRanges(zipLayout(base)).filter(([s, e]) => e > s);
  const at: number[] = [];
  for (let k = rng.range(1, 3); k > 0; k--) {
    const [s, e] = rng.pick(ranges);
    const p = s + rng.int(e - s);
    bytes[p]! ^= 1 << rng.int(8);
    at.push(p);
  }
  return [`tensor data bytes ${at.join(",")} flipped`, bytes, "data"];
}

function truncate(rng: Rng, base: Uint8Array): Made {
  const n = rng.pick([rng.int(base.length), base.length - rng.range(1, 100), rng.range(0, 64)]);
  const cut = Math.max(0, Math.min(base.length - 1, n));
  return [`truncated to ${cut} of ${base.length} bytes`, base.slice(0, cut), "structure"];
}

function headerField(rng: Rng, base: Uint8Array): Made {
  const bytes = base.slice();
  const layout = zipLayout(base);
  const e = rng.pick(layout.entries);
  const v = dv(bytes);
  const central = rng.int(2) === 0;
  const fields: [string, number, 2 | 4][] = central
    ? [["version", 6, 2], ["flags", 8, 2], ["method", 10, 2], ["crc", 16, 4], ["compressed", 20, 4], ["uncompressed", 24, 4], ["name length", 28, 2], ["extra length", 30, 2], ["comment length", 32, 2], ["disk", 34, 2], ["local offset", 42, 4]]
    : [["version", 4, 2], ["flags", 6, 2], ["method", 8, 2], ["crc", 14, 4], ["compressed", 18, 4], ["uncompressed", 22, 4], ["name length", 26, 2], ["extra length", 28, 2]];
  const [name, off, width] = rng.pick(fields);
  const at = (central ? e.central : e.local) + off;
  const old = width === 2 ? v.getUint16(at, true) : v.getUint32(at, true);
  const value = width === 2 ? u32Values(rng, old) & 0xffff : u32Values(rng, old);
  if (width === 2) v.setUint16(at, value, true);
  else v.setUint32(at, value, true);
  return [`${central ? "central" : "local"} ${name} of "${e.name}": ${old} -> ${value}`, bytes, "structure"];
}

function endField(rng: Rng, base: Uint8Array): Made {
  const bytes = base.slice();
  const layout = zipLayout(base);
  const v = dv(bytes);
  const options: [string, number, 2 | 4 | 8][] = [
    ["eocd disk", layout.eocd + 4, 2],
    ["eocd cd disk", layout.eocd + 6, 2],
    ["eocd entries on disk", layout.eocd + 8, 2],
    ["eocd entries", layout.eocd + 10, 2],
    ["eocd cd size", layout.eocd + 12, 4],
    ["eocd cd offset", layout.eocd + 16, 4],
    ["eocd comment length", layout.eocd + 20, 2],
  ];
  if (layout.zip64) {
    const { locator, record } = layout.zip64;
    options.push(
      ["zip64 locator disk", locator + 4, 4],
      ["zip64 locator record offset", locator + 8, 8],
      ["zip64 locator disks", locator + 16, 4],
      ["zip64 record size", record + 4, 8],
      ["zip64 record disk", record + 16, 4],
      ["zip64 record entries on disk", record + 24, 8],
      ["zip64 record entries", record + 32, 8],
      ["zip64 record cd size", record + 40, 8],
      ["zip64 record cd offset", record + 48, 8],
    );
  }
  const [name, at, width] = rng.pick(options);
  let detail: string;
  if (width === 8) {
    const old = v.getBigUint64(at, true);
    const value = u64Value(rng, old, base.length);
    v.setBigUint64(at, value, true);
    detail = `${name}: ${old} -> ${value}`;
  } else {
    const old = width === 2 ? v.getUint16(at, true) : v.getUint32(at, true);
    const value = width === 2 ? u32Values(rng, old) & 0xffff : u32Values(rng, old);
    if (width === 2) v.setUint16(at, value, true);
    else v.setUint32(at, value, true);
    detail = `${name}: ${old} -> ${value}`;
  }
  return [detail, bytes, "structure"];
}

function zip64Byte(rng: Rng, base: Uint8Array): Made {
  const layout = zipLayout(base);
  const bytes = base.slice();
  const start = layout.zip64?.record ?? layout.eocd;
  const at = rng.range(start, base.length - 1);
  const value = rng.pick([0x00, 0x01, 0x20, 0x7f, 0x80, 0xff, rng.int(256)]);
  bytes[at] = value;
  return [`end-record byte ${at - start} of the tail set to 0x${value.toString(16)}`, bytes, "structure"];
}

function sizeLie(rng: Rng, base: Uint8Array): Made {
  const bytes = base.slice();
  const e = rng.pick(zipLayout(base).entries);
  const v = dv(bytes);
  const old = v.getUint32(e.central + CENTRAL.uncompressed, true);
  const value = rng.pick([0, 1, old + 1, Math.max(0, old - 1), old + rng.range(2, 4096), 0xffffffff, old * 16]) >>> 0;
  const which = rng.pick(["uncompressed", "compressed", "both"] as const);
  for (const [base0, fields] of [[e.local, LOCAL], [e.central, CENTRAL]] as const) {
    if (which !== "compressed") v.setUint32(base0 + fields.uncompressed, value, true);
    if (which !== "uncompressed") v.setUint32(base0 + fields.compressed, value, true);
  }
  return [`"${e.name}" ${which} size ${old} -> ${value} in both headers`, bytes, "structure"];
}

function overlap(rng: Rng, base: Uint8Array): Made {
  const layout = zipLayout(base);
  const bytes = base.slice();
  const v = dv(bytes);
  const [a, b] = [rng.pick(layout.entries), rng.pick(layout.entries)];
  if (rng.int(2) === 0) {
    v.setUint32(a.central + CENTRAL.localOffset, b.local, true);
    return [`central "${a.name}" points at the local header of "${b.name}"`, bytes, "structure"];
  }
  // Many central records for the same data: append copies of one record (renamed) and fix the counts.
  const copies = rng.range(2, 200);
  const recordLength = 46 + v.getUint16(a.central + 28, true) + v.getUint16(a.central + 30, true) + v.getUint16(a.central + 32, true);
  const record = bytes.subarray(a.central, a.central + recordLength);
  const extra = new Uint8Array(recordLength * copies);
  for (let k = 0; k < copies; k++) {
    extra.set(record, k * recordLength);
    extra[k * recordLength + 46 + v.getUint16(a.central + 28, true) - 1] = 0x41 + (k % 26); // rename the last character
  }
  const cdEnd = layout.zip64 ? layout.zip64.record : layout.eocd;
  const out = new Uint8Array(bytes.length + extra.length);
  out.set(bytes.subarray(0, cdEnd));
  out.set(extra, cdEnd);
  out.set(bytes.subarray(cdEnd), cdEnd + extra.length);
  const o = dv(out);
  const shift = extra.length;
  const count = layout.entries.length + copies;
  if (layout.zip64) {
    const rec = layout.zip64.record + shift;
    o.setBigUint64(rec + 24, BigInt(count), true);
    o.setBigUint64(rec + 32, BigInt(count), true);
    o.setBigUint64(rec + 40, o.getBigUint64(rec + 40, true) + BigInt(shift), true);
    o.setBigUint64(layout.zip64.locator + shift + 8, BigInt(rec), true);
  } else {
    const eocd = layout.eocd + shift;
    o.setUint16(eocd + 8, count, true);
    o.setUint16(eocd + 10, count, true);
    o.setUint32(eocd + 12, o.getUint32(eocd + 12, true) + shift, true);
  }
  return [`${copies} extra central records sharing the data of "${a.name}"`, out, "structure"];
}

function deflateBomb(rng: Rng, i: number): Made {
  const s = baseSpecs()[i]!;
  const { pickle, storages } = pickleCheckpoint(s.spec);
  const target = rng.int(2) === 0 ? "data.pkl" : `data/${storages[0]!.key}`;
  const real = Math.min(limits.inflated, rng.pick([1 << 20, 16 << 20, 64 << 20]));
  const zeros = new Uint8Array(real);
  const files = [{ name: "archive/data.pkl", data: pickle }, ...storages.map((st) => ({ name: `archive/data/${st.key}`, data: encodeAny(st) }))];
  const bytes = writeZip(files.map((f) => ({ ...f, deflate: `archive/${target}` === f.name })), 64, s.zip64);
  // Replace the target's compressed data by a bomb, with the declared sizes kept or lying.
  const layout = zipLayout(bytes);
  const e = layout.entries.find((x) => x.name === `archive/${target}`)!;
  const bomb = new Uint8Array(deflateRawSync(zeros));
  const declared = rng.pick(["kept", "real", "huge"] as const);
  const out = replaceData(bytes, layout, e.name, bomb, declared === "kept" ? undefined : declared === "real" ? real : 0xfffffff0, crc32(zeros));
  return [`${target} replaced by a deflate bomb of ${bomb.length} bytes inflating to ${real} (declared size ${declared})`, out, "structure"];
}

function encodeAny(st: StorageSpec): Uint8Array {
  // The writer's own encoding, through a one-storage checkpoint (keeps this file free of dtype tables).
  const bytes = buildCheckpoint(dictOf([["x", tensorOf(st, [st.values.length])]]), { zip64: false });
  const layout = zipLayout(bytes);
  const e = layout.entries.find((x) => x.name === `archive/data/${st.key}`)!;
  return bytes.slice(e.dataStart, e.dataStart + e.compressedSize);
}

/** Rewrites the archive with entry `name`'s compressed data replaced (sizes and CRC patched as asked). */
function replaceData(bytes: Uint8Array, layout: ZipLayout, name: string, data: Uint8Array, uncompressed: number | undefined, crc: number): Uint8Array {
  const e = layout.entries.find((x) => x.name === name)!;
  const shift = data.length - e.compressedSize;
  const out = new Uint8Array(bytes.length + shift);
  out.set(bytes.subarray(0, e.dataStart));
  out.set(data, e.dataStart);
  out.set(bytes.subarray(e.dataStart + e.compressedSize), e.dataStart + data.length);
  const v = dv(out);
  const centralOf = (x: (typeof layout.entries)[number]) => x.central + shift;
  for (const [at, fields] of [[e.local, LOCAL], [centralOf(e), CENTRAL]] as const) {
    v.setUint32(at + fields.compressed, data.length, true);
    if (uncompressed !== undefined) v.setUint32(at + fields.uncompressed, uncompressed, true);
    v.setUint32(at + fields.crc, crc, true);
  }
  for (const x of layout.entries) if (x.local > e.local) v.setUint32(centralOf(x) + CENTRAL.localOffset, x.local + shift, true);
  if (layout.zip64) {
    const rec = layout.zip64.record + shift;
    v.setBigUint64(rec + 48, BigInt(layout.centralStart + shift), true);
    v.setBigUint64(layout.zip64.locator + shift + 8, BigInt(rec), true);
  } else v.setUint32(layout.eocd + shift + 16, layout.centralStart + shift, true);
  return out;
}

// Hostile pickles (inside an otherwise correct archive).

const enc = new TextEncoder();
const u32le = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24];
const put = (i: number) => [OP.LONG_BINPUT, ...u32le(i)];
const get = (i: number) => [OP.LONG_BINGET, ...u32le(i)];
const short = (s: string) => [OP.SHORT_BINUNICODE, enc.encode(s).length, ...enc.encode(s)];

function pickleFlip(rng: Rng, i: number): Made {
  const p = basePickle(i).slice();
  const at: number[] = [];
  for (let k = rng.range(1, 3); k > 0; k--) {
    const q = rng.int(p.length);
    p[q] = rng.int(3) === 0 ? rng.pick(Object.values(OP)) : rng.int(256);
    at.push(q);
  }
  return [`data.pkl bytes ${at.join(",")} changed`, withPickle(i, p), "structure"];
}

function memoBomb(rng: Rng, i: number): Made {
  const variant = rng.int(3);
  const base = basePickle(i);
  if (variant === 0) {
    const width = rng.range(2, 4);
    const levels = rng.range(16, 64);
    const ops: number[] = [...base.subarray(0, base.length - 1), ...put(100_000), OP.POP];
    for (let l = 1; l <= levels; l++) {
      ops.push(OP.EMPTY_DICT, OP.MARK);
      for (let k = 0; k < width; k++) ops.push(...short(String.fromCharCode(97 + k)), ...get(100_000 + l - 1));
      ops.push(OP.SETITEMS, ...put(100_000 + l), OP.POP);
    }
    ops.push(...get(100_000 + levels), OP.STOP);
    return [`billion laughs: ${levels} levels of ${width} shared dicts`, withPickle(i, Uint8Array.from(ops)), "structure"];
  }
  if (variant === 1) {
    const n = rng.range(1000, 6000);
    const ops: number[] = [OP.PROTO, 2, OP.GLOBAL, ...enc.encode("collections\nOrderedDict\n"), ...put(0), OP.POP, OP.EMPTY_LIST, ...put(1), OP.MARK];
    for (let k = 0; k < n; k++) ops.push(OP.BININT2, k & 0xff, k >> 8, OP.NONE, OP.TUPLE2);
    ops.push(OP.APPENDS, OP.POP, OP.EMPTY_DICT, OP.MARK);
    for (let k = 0; k < n; k++) ops.push(OP.BININT2, k & 0xff, k >> 8, ...get(0), ...get(1), OP.TUPLE1, OP.REDUCE);
    ops.push(OP.SETITEMS, OP.STOP);
    return [`one list of ${n} pairs passed to ${n} OrderedDict calls`, withPickle(i, Uint8Array.from(ops)), "structure"];
  }
  const n = Math.min(limits.ops, rng.range(200_000, 1_500_000));
  const ops = new Uint8Array(n).fill(OP.EMPTY_DICT);
  ops.set([OP.PROTO, 2]);
  ops[n - 1] = OP.STOP;
  return [`${n} EMPTY_DICT opcodes`, withPickle(i, ops), "structure"];
}

function deepNesting(rng: Rng, i: number): Made {
  const depth = Math.min(limits.ops, rng.pick([100, 1000, 10_000, 100_000, 1_000_000]));
  const variant = rng.int(4);
  let ops: number[];
  if (variant === 0) {
    // {"k": {"k": ... {}}} built inside out with SETITEM.
    ops = [OP.PROTO, 2];
    for (let k = 0; k < depth; k++) ops.push(OP.EMPTY_DICT, ...short("k"));
    ops.push(OP.EMPTY_DICT);
    for (let k = 0; k < depth; k++) ops.push(OP.SETITEM);
    ops.push(OP.STOP);
  } else if (variant === 1) {
    ops = [OP.PROTO, 2, ...new Array<number>(depth).fill(OP.MARK), ...new Array<number>(depth).fill(OP.TUPLE), OP.STOP];
  } else if (variant === 2) {
    ops = [OP.PROTO, 2];
    for (let k = 0; k < depth; k++) ops.push(OP.EMPTY_LIST, OP.DUP, ...put(k), OP.APPEND);
    ops.push(OP.STOP);
  } else {
    // The state dict nested under `depth` dicts, {"layer": {"layer": ... state dict}} (names grow with depth).
    const t = basePickle(i);
    const levels = Math.min(depth, 20_000);
    ops = [...t.subarray(0, t.length - 1), ...put(100_000), OP.POP];
    for (let k = 1; k <= levels; k++) ops.push(OP.EMPTY_DICT, ...short("layer"), ...get(100_000 + k - 1), OP.SETITEM, ...put(100_000 + k), OP.POP);
    ops.push(...get(100_000 + levels), OP.STOP);
  }
  return [`nesting depth ${depth} (variant ${variant})`, withPickle(i, Uint8Array.from(ops)), "structure"];
}

function codeExec(rng: Rng, i: number): Made {
  const variants: [string, () => Uint8Array][] = [
    ["GLOBAL os.system + REDUCE", () => new PickleWriter().proto(2).global("os", "system").str("echo pwned").tupleOf(1).op(OP.REDUCE).stop()],
    ["GLOBAL builtins.eval + REDUCE", () => new PickleWriter().proto(2).global("builtins", "eval").str("__import__('os').system('x')").tupleOf(1).op(OP.REDUCE).stop()],
    ["STACK_GLOBAL builtins.exec", () => Uint8Array.from([OP.PROTO, 4, ...short("builtins"), ...short("exec"), OP.STACK_GLOBAL, ...short("1"), OP.TUPLE1, OP.REDUCE, OP.STOP])],
    ["INST subprocess.Popen", () => Uint8Array.from([OP.PROTO, 0, OP.MARK, ...short("ls"), OP.INST, ...enc.encode("subprocess\nPopen\n"), OP.STOP])],
    ["OBJ with a refused class", () => Uint8Array.from([OP.PROTO, 2, OP.MARK, OP.GLOBAL, ...enc.encode("posix\nsystem\n"), ...short("id"), OP.OBJ, OP.STOP])],
    ["NEWOBJ torch.Tensor", () => new PickleWriter().proto(2).global("torch", "Tensor").op(OP.EMPTY_TUPLE).op(OP.NEWOBJ).stop()],
    ["BUILD with a __setstate__ key on the root dict", () => {
      const b = basePickle(i);
      return Uint8Array.from([...b.subarray(0, b.length - 1), OP.EMPTY_DICT, ...short("__setstate__"), OP.NONE, OP.SETITEM, OP.BUILD, OP.STOP]);
    }],
    ["BUILD on a tensor", () => {
      const w = new PickleWriter().proto(2).global("collections", "OrderedDict").op(OP.EMPTY_TUPLE).op(OP.REDUCE).str("t", false);
      w.global("torch._utils", "_rebuild_tensor_v2").mark();
      w.mark().str("storage", false).global("torch", "FloatStorage").str("0", false).str("cpu", false).int(4).op(OP.TUPLE).op(OP.BINPERSID);
      w.int(0).int(4).tupleOf(1).int(1).tupleOf(1).bool(false).global("collections", "OrderedDict").op(OP.EMPTY_TUPLE).op(OP.REDUCE).op(OP.TUPLE).op(OP.REDUCE);
      return w.op(OP.EMPTY_DICT).str("__class__", false).none().op(OP.SETITEM).op(OP.BUILD).op(OP.SETITEM).stop();
    }],
    ["EXT1 extension object", () => Uint8Array.from([OP.PROTO, 2, OP.EXT1, 1, OP.STOP])],
    ["persistent id with a path key", () => new PickleWriter().proto(2).mark().str("storage").global("torch", "FloatStorage").str("../../etc/passwd").str("cpu").int(4).op(OP.TUPLE).op(OP.BINPERSID).stop()],
    ["valid tensors then a refused global", () => {
      const b = basePickle(i);
      return Uint8Array.from([...b.subarray(0, b.length - 1), ...short("evil"), OP.GLOBAL, ...enc.encode("nt\nsystem\n"), ...short("x"), OP.TUPLE1, OP.REDUCE, OP.SETITEM, OP.STOP]);
    }],
  ];
  const [name, make] = rng.pick(variants);
  return [name, withPickle(i, make()), "structure"];
}

function hugeShape(rng: Rng): Made {
  const big = [2 ** 31, 2 ** 32, 2 ** 40, 2 ** 53 - 1, 2 ** 62, 2 ** 64 - 1, -1, 0, 7];
  const pickBig = () => rng.pick(big);
  const field = rng.pick(["numel", "size", "stride", "offset", "ndim"] as const);
  const numel = field === "numel" ? pickBig() : 16;
  const size = field === "size" ? [pickBig(), pickBig()] : field === "ndim" ? new Array<number>(rng.pick([64, 1000, 100_000])).fill(1) : [4, 4];
  const stride = field === "stride" ? [pickBig(), 1] : field === "ndim" ? size.map(() => 1) : [4, 1];
  const offset = field === "offset" ? pickBig() : 0;
  const ints = (xs: readonly number[]) => {
    w.mark();
    for (const x of xs) w.int(BigInt(x));
    w.op(OP.TUPLE);
  };
  const w = new PickleWriter().proto(2).global("collections", "OrderedDict").op(OP.EMPTY_TUPLE).op(OP.REDUCE).str("t", false);
  w.global("torch._utils", "_rebuild_tensor_v2").mark();
  w.mark().str("storage", false).global("torch", "FloatStorage").str("0", false).str("cpu", false).int(BigInt(numel)).op(OP.TUPLE).op(OP.BINPERSID);
  w.int(BigInt(offset));
  ints(size);
  ints(stride);
  w.bool(false).global("collections", "OrderedDict").op(OP.EMPTY_TUPLE).op(OP.REDUCE).op(OP.TUPLE).op(OP.REDUCE).op(OP.SETITEM);
  const zip = writeZip([
    { name: "archive/data.pkl", data: w.stop() },
    { name: "archive/data/0", data: new Uint8Array(64) },
  ]);
  return [`${field}: numel ${numel}, size [${size.length > 4 ? `${size.length} dims` : size.join(", ")}], stride [${stride.length > 4 ? "..." : stride.join(", ")}], offset ${offset}`, zip, "structure"];
}

function prototypeNames(rng: Rng): Made {
  const name = rng.pick(["__proto__", "constructor", "prototype", "a.__proto__.b", "model.constructor.weight", "x.prototype"]);
  const loc = rng.pick(["cpu", "constructor", "__proto__", "toString"]);
  const spec = dictOf([[name, tensorOf({ key: "0", dtype: "float32", values: [1, 2, 3], location: loc }, [3])]]);
  return [`tensor name "${name}", location "${loc}"`, buildCheckpoint(spec), "structure"];
}

function longInt(rng: Rng, i: number): Made {
  const n = Math.min(limits.longBytes, rng.pick([1 << 10, 1 << 16, 1 << 20, 4 << 20]));
  const b = basePickle(i);
  const long = new Uint8Array(n).fill(0x5a);
  const ops = Uint8Array.from([...b.subarray(0, b.length - 1), ...short("big"), OP.LONG4, ...u32le(n), ...long, OP.SETITEM, OP.STOP]);
  return [`a LONG4 of ${n} bytes`, withPickle(i, ops), "structure"];
}

// ---------------------------------------------------------------------------------------------------------

/** Mutation families with their weights. */
export const KINDS: readonly (readonly [string, number])[] = [
  ["byte-flip", 10],
  ["data-flip", 8],
  ["truncate", 5],
  ["header-field", 10],
  ["end-field", 8],
  ["zip64-byte", 6],
  ["size-lie", 6],
  ["overlap", 5],
  ["deflate-bomb", 3],
  ["pickle-flip", 10],
  ["memo-bomb", 5],
  ["deep-nesting", 5],
  ["code-exec", 6],
  ["huge-shape", 6],
  ["prototype-name", 3],
  ["long-int", 2],
];

const TOTAL_WEIGHT = KINDS.reduce((a, [, w]) => a + w, 0);

/** Options of {@link makeTorchCase}. */
export interface CaseOptions {
  /** Smaller bombs (at most 200k opcodes, 16 MiB inflated, 1 MiB integers), for quick in-process runs. */
  readonly light?: boolean;
}

/** Case `index` of run `seed`. */
export function makeTorchCase(seed: number, index: number, options: CaseOptions = {}): TorchCase {
  limits = options.light ? LIGHT : FULL;
  const rng = new Rng(caseSeed(seed, index));
  let r = rng.int(TOTAL_WEIGHT);
  let kind = KINDS[0]![0];
  for (const [k, w] of KINDS) {
    if (r < w) {
      kind = k;
      break;
    }
    r -= w;
  }
  // zip64-byte needs a base with zip64 end records.
  const base = kind === "zip64-byte" ? rng.pick([0, 2, 3]) : rng.int(BASE_COUNT);
  const file = baseCheckpoint(base);
  const made: Made = (() => {
    switch (kind) {
      case "byte-flip":
        return flip(rng, file);
      case "data-flip":
        return dataFlip(rng, file);
      case "truncate":
        return truncate(rng, file);
      case "header-field":
        return headerField(rng, file);
      case "end-field":
        return endField(rng, file);
      case "zip64-byte":
        return zip64Byte(rng, file);
      case "size-lie":
        return sizeLie(rng, file);
      case "overlap":
        return overlap(rng, file);
      case "deflate-bomb":
        return deflateBomb(rng, base);
      case "pickle-flip":
        return pickleFlip(rng, base);
      case "memo-bomb":
        return memoBomb(rng, base);
      case "deep-nesting":
        return deepNesting(rng, base);
      case "code-exec":
        return codeExec(rng, base);
      case "huge-shape":
        return hugeShape(rng);
      case "prototype-name":
        return prototypeNames(rng);
      default:
        return longInt(rng, base);
    }
  })();
  const [detail, bytes, touches] = made;
  return { index, kind, detail, touches, base, bytes };
}
