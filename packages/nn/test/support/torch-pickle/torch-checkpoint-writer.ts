/**
 * Test helper: builds torch.save-style checkpoints without PyTorch. The pickle has the structure PyTorch
 * writes with protocol 2 (an OrderedDict whose values are `torch._utils._rebuild_tensor_v2` calls on
 * BINPERSID storages, a BUILD with `_metadata`), and the zip has `<archive>/data.pkl`, `<archive>/data/<key>`,
 * `<archive>/byteorder` and `<archive>/version`.
 */
import type { TorchDType } from "../../../src/torch-pickle/torch-dtypes.js";
import { PickleWriter } from "./pickle-writer.js";
import { writeZip, type ZipInput } from "./zip-writer.js";

/** A storage: its key (file name under `data/`), dtype and element values. */
export interface StorageSpec {
  readonly key: string;
  readonly dtype: TorchDType;
  readonly values: readonly (number | bigint | boolean)[];
  readonly location?: string;
}

/** A tensor view of a storage. */
export interface TensorSpec {
  readonly kind: "tensor";
  readonly storage: StorageSpec;
  readonly shape: readonly number[];
  readonly stride?: readonly number[];
  readonly offset?: number;
  /** Wrap in `_rebuild_parameter` (an nn.Parameter). */
  readonly parameter?: boolean;
  /** Wrap in `_rebuild_from_type_v2(…, torch.Tensor, …, {})` (a tensor with Python state). */
  readonly fromType?: boolean;
}

/** A value to pickle: a tensor, a (ordered) dict, a list, a tuple, or a scalar. */
export type ValueSpec =
  | TensorSpec
  | { readonly kind: "dict"; readonly entries: readonly (readonly [string | number, ValueSpec])[]; readonly ordered?: boolean }
  | { readonly kind: "list"; readonly items: readonly ValueSpec[] }
  | { readonly kind: "tuple"; readonly items: readonly ValueSpec[] }
  | string
  | number
  | boolean
  | null;

/** Row-major strides of `shape`. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d]!;
  }
  return s;
}

/** A contiguous tensor over the whole storage. */
export function tensorOf(storage: StorageSpec, shape: readonly number[], extra: Partial<TensorSpec> = {}): TensorSpec {
  return { kind: "tensor", storage, shape, ...extra };
}

/** An OrderedDict of `entries`. */
export function dictOf(entries: readonly (readonly [string | number, ValueSpec])[], ordered = true): ValueSpec {
  return { kind: "dict", entries, ordered };
}

const STORAGE_CLASS: Record<TorchDType, string> = {
  float32: "FloatStorage",
  float64: "DoubleStorage",
  float16: "HalfStorage",
  bfloat16: "BFloat16Storage",
  int64: "LongStorage",
  int32: "IntStorage",
  int16: "ShortStorage",
  int8: "CharStorage",
  uint8: "ByteStorage",
  bool: "BoolStorage",
};

function f32Bits(x: number): number {
  const b = new DataView(new ArrayBuffer(4));
  b.setFloat32(0, x, true);
  return b.getUint32(0, true);
}

/** Half bits of `x` (test values should be exactly representable; rounding here is truncation). */
export function toHalfBits(x: number): number {
  if (Number.isNaN(x)) return 0x7e00;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a === Infinity) return sign | 0x7c00;
  if (a === 0) return sign;
  if (a < 2 ** -14) return sign | Math.round(a / 2 ** -24);
  const e = Math.floor(Math.log2(a));
  const m = Math.round((a / 2 ** e - 1) * 1024);
  return sign | ((e + 15) << 10) | m;
}

/** Little-endian bytes of a storage's values. */
export function encodeStorage(s: StorageSpec, bigEndian = false): Uint8Array {
  const size = { float32: 4, float64: 8, float16: 2, bfloat16: 2, int64: 8, int32: 4, int16: 2, int8: 1, uint8: 1, bool: 1 }[s.dtype];
  const out = new Uint8Array(s.values.length * size);
  const v = new DataView(out.buffer);
  s.values.forEach((raw, i) => {
    const x = typeof raw === "boolean" ? Number(raw) : raw;
    const at = i * size;
    switch (s.dtype) {
      case "float32":
        return v.setFloat32(at, Number(x), true);
      case "float64":
        return v.setFloat64(at, Number(x), true);
      case "float16":
        return v.setUint16(at, toHalfBits(Number(x)), true);
      case "bfloat16":
        return v.setUint16(at, f32Bits(Number(x)) >>> 16, true);
      case "int64":
        return v.setBigInt64(at, BigInt(x), true);
      case "int32":
        return v.setInt32(at, Number(x), true);
      case "int16":
        return v.setInt16(at, Number(x), true);
      case "int8":
        return v.setInt8(at, Number(x));
      case "uint8":
      case "bool":
        return v.setUint8(at, Number(x));
    }
  });
  if (bigEndian) for (let i = 0; i < out.length; i += size) out.subarray(i, i + size).reverse();
  return out;
}

/** Pickles `root` the way torch.save (protocol 2) does; returns the pickle and the storages it names. */
export function pickleCheckpoint(root: ValueSpec): { pickle: Uint8Array; storages: StorageSpec[] } {
  const w = new PickleWriter().proto(2);
  const globals = new Map<string, number>();
  const storages = new Map<string, StorageSpec>();

  function global(module: string, name: string): void {
    const k = `${module}.${name}`;
    const memo = globals.get(k);
    if (memo !== undefined) w.get(memo);
    else {
      w.global(module, name);
      globals.set(k, w.lastMemo);
    }
  }

  function ints(xs: readonly number[]): void {
    if (xs.length > 3) w.mark();
    for (const x of xs) w.int(x);
    w.tupleOf(xs.length).put();
  }

  function emptyOrderedDict(): void {
    global("collections", "OrderedDict");
    w.op(0x29).op(0x52).put(); // EMPTY_TUPLE REDUCE
  }

  function tensorArgs(t: TensorSpec): void {
    // (storage, offset, size, stride, requires_grad, backward_hooks)
    w.mark();
    w.mark().str("storage");
    global("torch", STORAGE_CLASS[t.storage.dtype]);
    w.str(t.storage.key).str(t.storage.location ?? "cpu").int(t.storage.values.length).op(0x74).put(); // TUPLE
    w.op(0x51); // BINPERSID
    storages.set(t.storage.key, t.storage);
    w.int(t.offset ?? 0);
    ints(t.shape);
    ints(t.stride ?? contiguousStrides(t.shape));
    w.bool(false);
    emptyOrderedDict();
    w.op(0x74).put(); // TUPLE
  }

  function tensor(t: TensorSpec): void {
    if (t.parameter) global("torch._utils", "_rebuild_parameter");
    if (t.fromType) {
      // _rebuild_from_type_v2(_rebuild_tensor_v2, torch.Tensor, (args...), {})
      global("torch._tensor", "_rebuild_from_type_v2");
      w.mark();
      global("torch._utils", "_rebuild_tensor_v2");
      global("torch", "Tensor");
      tensorArgs(t);
      w.op(0x7d).put(); // EMPTY_DICT: the state
      w.op(0x74).put(); // TUPLE
    } else {
      global("torch._utils", "_rebuild_tensor_v2");
      tensorArgs(t);
    }
    w.op(0x52).put(); // REDUCE
    if (t.parameter) {
      w.bool(true);
      emptyOrderedDict();
      w.op(0x87).put().op(0x52).put(); // TUPLE3 REDUCE
    }
  }

  function value(v: ValueSpec): void {
    if (v === null) w.none();
    else if (typeof v === "boolean") w.bool(v);
    else if (typeof v === "number") Number.isInteger(v) ? w.int(v) : w.float(v);
    else if (typeof v === "string") w.str(v);
    else if (v.kind === "tensor") tensor(v);
    else if (v.kind === "list") {
      w.op(0x5d).put(); // EMPTY_LIST
      if (v.items.length > 0) {
        w.mark();
        v.items.forEach(value);
        w.op(0x65); // APPENDS
      }
    } else if (v.kind === "tuple") {
      if (v.items.length > 3) w.mark();
      v.items.forEach(value);
      w.tupleOf(v.items.length).put();
    } else {
      if (v.ordered === false) w.op(0x7d).put(); // EMPTY_DICT
      else emptyOrderedDict();
      if (v.entries.length > 0) {
        w.mark();
        for (const [k, x] of v.entries) {
          value(k);
          value(x);
        }
        w.op(0x75); // SETITEMS
      }
      if (v.ordered !== false) {
        // state_dict()._metadata, as BUILD state {'_metadata': OrderedDict([('', {'version': 1})])}
        w.op(0x7d).put().str("_metadata");
        emptyOrderedDict();
        w.str("").op(0x7d).put().str("version").int(1).op(0x73).op(0x73); // SETITEM x2
        w.op(0x73).op(0x62); // SETITEM, BUILD
      }
    }
  }

  value(root);
  return { pickle: w.stop(), storages: [...storages.values()] };
}

/** Options of {@link buildCheckpoint}. */
export interface BuildOptions {
  /** Archive folder name (PyTorch 2 uses `archive`; older versions the file stem). */
  readonly archive?: string;
  /** Write `byteorder` (default `little`); null leaves it out, as PyTorch < 2.1 did. */
  readonly byteorder?: "little" | "big" | null;
  /** Deflate these entries (relative to the archive folder) instead of storing them. */
  readonly deflate?: readonly string[];
  /** Leave these entries out (relative to the archive folder). */
  readonly omit?: readonly string[];
  /** Replace the pickle. */
  readonly pickle?: Uint8Array;
  /** End the zip with zip64 records, as PyTorch does (default true). */
  readonly zip64?: boolean;
}

/** The bytes of a torch.save-style zip checkpoint holding `root`. */
export function buildCheckpoint(root: ValueSpec, options: BuildOptions = {}): Uint8Array {
  const archive = options.archive ?? "archive";
  const { pickle, storages } = pickleCheckpoint(root);
  const bigEndian = options.byteorder === "big";
  const files: ZipInput[] = [{ name: "data.pkl", data: options.pickle ?? pickle }];
  if (options.byteorder !== null) files.push({ name: "byteorder", data: new TextEncoder().encode(options.byteorder ?? "little") });
  for (const s of storages) files.push({ name: `data/${s.key}`, data: encodeStorage(s, bigEndian) });
  files.push({ name: "version", data: new TextEncoder().encode("3\n") });
  return writeZip(
    files
      .filter((f) => !options.omit?.includes(f.name))
      .map((f) => ({ name: `${archive}/${f.name}`, data: f.data, deflate: options.deflate?.includes(f.name) })),
    64,
    options.zip64 ?? true,
  );
}
