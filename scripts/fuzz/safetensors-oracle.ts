/**
 * An independent reading of the safetensors format (https://github.com/huggingface/safetensors), written from
 * the format description and sharing no code with the reader under test: 8-byte little-endian header length
 * N, N bytes of UTF-8 JSON (an object; `__metadata__` null or a string map; every other key a tensor with
 * dtype, shape and data_offsets), then the data, which the tensors' `[begin, end)` ranges tile exactly.
 * Duplicate keys are invalid, as in the reference implementation (JSON.parse would keep the last one), and
 * are found by a separate token scan. The fuzzer compares what the reader loads with what this decodes.
 */

/** A tensor as the reader under test loads it: loaded dtype, shape and values as numbers. */
export interface OracleTensor {
  readonly dtype: string;
  readonly shape: readonly number[];
  /** The values, or a reason they cannot load (an integer outside int32). */
  readonly values: readonly number[] | { readonly unloadable: string };
}

/** A decoded file. */
export interface OracleFile {
  readonly tensors: ReadonlyMap<string, OracleTensor>;
  readonly metadata: Readonly<Record<string, string>>;
}

const SIZE: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U64: 8, U32: 4, U16: 2, U8: 1, BOOL: 1 };
const LOADED: Record<string, string> = { F64: "float64", F32: "float32", F16: "float32", BF16: "float32", BOOL: "bool" };

const isIndex = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;

function half(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const frac = bits & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

function decodeValues(dtype: string, view: DataView, n: number): number[] | { unloadable: string } {
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const at = i * SIZE[dtype]!;
    let v: number | bigint;
    switch (dtype) {
      case "F64": v = view.getFloat64(at, true); break;
      case "F32": v = view.getFloat32(at, true); break;
      case "F16": v = half(view.getUint16(at, true)); break;
      case "BF16": { const b = new DataView(new ArrayBuffer(4)); b.setUint16(0, view.getUint16(at, true)); v = b.getFloat32(0); break; } // high half of an f32
      case "I64": v = view.getBigInt64(at, true); break;
      case "U64": v = view.getBigUint64(at, true); break;
      case "I32": v = view.getInt32(at, true); break;
      case "U32": v = view.getUint32(at, true); break;
      case "I16": v = view.getInt16(at, true); break;
      case "U16": v = view.getUint16(at, true); break;
      case "I8": v = view.getInt8(at); break;
      case "U8": v = view.getUint8(at); break;
      default: v = view.getUint8(at) !== 0 ? 1 : 0; // BOOL
    }
    if (typeof v === "bigint" || (LOADED[dtype] === undefined && (v > 2147483647 || v < -2147483648))) {
      const big = BigInt(v);
      if (big > 2147483647n || big < -2147483648n) return { unloadable: `${dtype} value ${big} at ${i} is outside int32` };
      v = Number(big);
    }
    out[i] = v;
  }
  return out;
}

/** The first key that appears twice in one JSON object of `text` (assumed to be valid JSON), if any. */
export function duplicateKey(text: string): string | undefined {
  // Strings as "unrolled loops" ([^"\\]* runs between escapes): a per-character alternation would overflow the
  // regexp stack on a string of megabytes. Tokens are visited one by one, never held in an array.
  const token = /"[^"\\]*(?:\\.[^"\\]*)*"|[{}[\]:,]/g;
  const open: (Set<string> | undefined)[] = []; // one per open container; undefined for arrays
  let pending: string | undefined; // the last string token, a key if ":" follows
  for (let m = token.exec(text); m; m = token.exec(text)) {
    const t = m[0];
    if (t === ":" && pending !== undefined) {
      const keys = open[open.length - 1];
      const key = JSON.parse(pending) as string;
      if (keys?.has(key)) return key;
      keys?.add(key);
    }
    pending = t.startsWith('"') ? t : undefined;
    if (t === "{") open.push(new Set());
    else if (t === "[") open.push(undefined);
    else if (t === "}" || t === "]") open.pop();
  }
  return undefined;
}

/** Decodes `bytes` per the format, or returns why it is not a valid file. */
export function oracleDecode(bytes: Uint8Array): OracleFile | { invalid: string } {
  if (bytes.length < 8) return { invalid: "shorter than 8 bytes" };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getBigUint64(0, true);
  if (n > BigInt(bytes.length - 8)) return { invalid: "header longer than the file" };
  const start = 8 + Number(n);
  let header: unknown;
  try {
    const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, start));
    header = JSON.parse(text);
    const twice = duplicateKey(text);
    if (twice !== undefined) return { invalid: `key ${JSON.stringify(twice)} appears twice` };
  } catch (e) {
    return { invalid: `header: ${(e as Error).message}` };
  }
  if (header === null || typeof header !== "object" || Array.isArray(header)) return { invalid: "header is not an object" };
  const metadata: Record<string, string> = {};
  const ranges: [string, string, number[], number, number][] = [];
  for (const [key, value] of Object.entries(header)) {
    if (key === "__metadata__") {
      if (value === null) continue;
      if (typeof value !== "object" || Array.isArray(value)) return { invalid: "__metadata__ is not an object" };
      for (const [k, v] of Object.entries(value as object)) {
        if (typeof v !== "string") return { invalid: `__metadata__.${k} is not a string` };
        Object.defineProperty(metadata, k, { value: v, enumerable: true });
      }
      continue;
    }
    const e = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
    if (e === null || typeof e !== "object" || Array.isArray(e)) return { invalid: `${key} is not an object` };
    if (typeof e.dtype !== "string" || !(e.dtype in SIZE)) return { invalid: `${key}: dtype` };
    if (!Array.isArray(e.shape) || !e.shape.every(isIndex)) return { invalid: `${key}: shape` };
    const off = e.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every(isIndex)) return { invalid: `${key}: data_offsets` };
    ranges.push([key, e.dtype, e.shape as number[], off[0] as number, off[1] as number]);
  }
  ranges.sort((a, b) => a[3] - b[3] || a[4] - b[4]);
  const dataLength = bytes.length - start;
  let at = 0;
  const tensors = new Map<string, OracleTensor>();
  for (const [key, dtype, shape, begin, end] of ranges) {
    if (begin !== at || end < begin) return { invalid: `${key}: does not tile the data (at ${at})` };
    const numel = shape.reduce((p, d) => p * d, 1);
    if (numel * SIZE[dtype]! !== end - begin) return { invalid: `${key}: size` };
    at = end;
    if (end > dataLength) return { invalid: `${key}: past the end` };
    const values = decodeValues(dtype, new DataView(bytes.buffer, bytes.byteOffset + start + begin, end - begin), numel);
    tensors.set(key, { dtype: LOADED[dtype] ?? "int32", shape, values });
  }
  if (at !== dataLength) return { invalid: `tensors end at ${at} of ${dataLength}` };
  return { tensors, metadata };
}

const same = (a: number, b: number) => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));

/** The first difference between two sets of tensors and metadata, or undefined when they are the same. */
export function difference(a: OracleFile, b: OracleFile): string | undefined {
  if (a.tensors.size !== b.tensors.size) return "different tensor names";
  for (const [k, x] of a.tensors) {
    const y = b.tensors.get(k);
    if (y === undefined) return "different tensor names";
    if (x.dtype !== y.dtype) return `${k}: dtype ${x.dtype} vs ${y.dtype}`;
    if (x.shape.join() !== y.shape.join() || x.shape.length !== y.shape.length) return `${k}: shape [${x.shape}] vs [${y.shape}]`;
    if (!Array.isArray(x.values) || !Array.isArray(y.values)) {
      if (Array.isArray(x.values) !== Array.isArray(y.values)) return `${k}: loadable in one only`;
      continue;
    }
    const xv = x.values as readonly number[];
    const yv = y.values as readonly number[];
    if (xv.length !== yv.length) return `${k}: ${xv.length} vs ${yv.length} values`;
    for (let i = 0; i < xv.length; i++) if (!same(xv[i]!, yv[i]!)) return `${k}[${i}]: ${xv[i]} vs ${yv[i]}`;
  }
  const ma = JSON.stringify(Object.entries(a.metadata).sort());
  const mb = JSON.stringify(Object.entries(b.metadata).sort());
  return ma === mb ? undefined : "different metadata";
}
