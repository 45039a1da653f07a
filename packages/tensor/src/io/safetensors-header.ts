import { checkName, isReservedNameSegment, RESERVED_NAME_SEGMENTS, reservedNameError } from "../names.js";
import {
  ITEM_SIZE,
  describeJson,
  isSafetensorsDType,
  truncate,
  unsupportedDTypeReason,
  type SafetensorsDType,
} from "./safetensors-dtypes.js";
import { fmtList, headerError, tensorLabel } from "./safetensors-errors.js";
import { JsonCursor, findDeepNesting } from "./safetensors-json.js";
import { checkTiling } from "./safetensors-layout.js";

export { fmtList, headerError, tensorLabel };

/** Where and how one tensor is stored in a safetensors file. */
export interface SafetensorsTensorInfo {
  /** The dtype as stored in the file. */
  readonly dtype: SafetensorsDType;
  /** The tensor's shape. */
  readonly shape: readonly number[];
  /** `[begin, end)` byte range relative to the start of the data section. */
  readonly dataOffsets: readonly [number, number];
  /** `end - begin`, equal to elements x bytes per element. */
  readonly byteLength: number;
}

/** A validated safetensors header. */
export interface SafetensorsHeader {
  /** Name used in error messages (usually the path). */
  readonly source: string;
  /** Length N of the JSON header in bytes. */
  readonly headerLength: number;
  /** Absolute file offset of the data section (8 + N). */
  readonly dataStart: number;
  /** Length of the data section in bytes. */
  readonly dataLength: number;
  /** The `__metadata__` string map (empty when absent; it has no prototype). */
  readonly metadata: Readonly<Record<string, string>>;
  /** Tensors in header order. */
  readonly tensors: ReadonlyMap<string, SafetensorsTensorInfo>;
}

/** The reference implementation refuses headers above 100 MB; so do we (a header that big is an attack). */
export const MAX_HEADER_LENGTH = 100_000_000;

/**
 * Most tensors one file may hold. Real checkpoints hold a few hundred to a few thousand per file; the limit
 * keeps a header of millions of empty tensors (which loaded for a minute before) to a fraction of a second.
 */
export const MAX_TENSORS = 100_000;

/** Most entries `__metadata__` may hold (real files hold a handful). */
export const MAX_METADATA_ENTRIES = 100_000;

/** Most dimensions a tensor's shape may have. */
export const MAX_TENSOR_RANK = 64;

/**
 * Deepest bracket nesting of a header: the header object, a tensor entry, its shape array. Deeper text is
 * refused by a linear scan before it is parsed.
 */
export const MAX_HEADER_DEPTH = 3;

/** Name of the reserved header key holding the string-to-string metadata. */
export const METADATA_KEY = "__metadata__";

/**
 * Reads and checks the 8-byte little-endian header length at the start of a file of `fileSize` bytes.
 * Throws unless the header fits in the file and is at most {@link MAX_HEADER_LENGTH} bytes.
 */
export function readHeaderLength(bytes: Uint8Array, fileSize: number, source = "safetensors"): number {
  if (!Number.isSafeInteger(fileSize) || fileSize < 0) throw headerError(source, undefined, `invalid file size ${fileSize}`);
  if (fileSize < 8) throw headerError(source, undefined, `file is ${fileSize} bytes, too short for the 8-byte header length`);
  if (bytes.length < 8) throw headerError(source, undefined, `got ${bytes.length} bytes, need the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, 8);
  const low = view.getUint32(0, true);
  const high = view.getUint32(4, true);
  const text = (BigInt(high) * 0x1_0000_0000n + BigInt(low)).toString();
  if (high !== 0 || low > MAX_HEADER_LENGTH) {
    throw headerError(source, undefined, `header length ${text} exceeds the limit of ${MAX_HEADER_LENGTH} bytes`);
  }
  if (low > fileSize - 8) {
    throw headerError(source, undefined, `header length ${text} does not fit in a file of ${fileSize} bytes`);
  }
  if (low < 2) throw headerError(source, undefined, `header length ${text} is too short for a JSON object`);
  return low;
}

/**
 * Parses and validates the header of a safetensors file; every way of reading a file (a path, an open file,
 * bytes in memory) goes through here. `bytes` holds at least the first 8 + N bytes of the file (the whole file
 * is fine); `fileSize` is the size of the whole file. Checks, each failure an `Error` naming `source`, the
 * tensor or key and the problem:
 * - the length prefix (at most {@link MAX_HEADER_LENGTH}, inside the file), UTF-8, and a JSON object nesting
 *   at most {@link MAX_HEADER_DEPTH} deep, with no duplicate keys at any level;
 * - names: no segment `__proto__`, `constructor` or `prototype`; at most {@link MAX_TENSORS} tensors;
 * - `__metadata__`: null or an object of at most {@link MAX_METADATA_ENTRIES} strings;
 * - each tensor: only the fields dtype, shape and data_offsets; a supported dtype; a shape of at most
 *   {@link MAX_TENSOR_RANK} non-negative safe integers; data offsets `[begin, end)` of non-negative safe
 *   integers holding exactly the bytes the dtype and shape need;
 * - the tensors tile the data section exactly: sorted by offset, the first begins at 0, each begins where the
 *   previous ends and the last ends at the end of the file (no holes, overlaps or trailing bytes).
 */
export function parseSafetensorsHeader(bytes: Uint8Array, fileSize: number, source = "safetensors"): SafetensorsHeader {
  const headerLength = readHeaderLength(bytes, fileSize, source);
  if (bytes.length < 8 + headerLength) {
    throw headerError(source, undefined, `got ${bytes.length} bytes, need ${8 + headerLength} to hold the header`);
  }
  const text = decodeHeader(bytes.subarray(8, 8 + headerLength), source);
  const dataStart = 8 + headerLength;
  const dataLength = fileSize - dataStart;
  const { metadata, tensors } = parseHeaderText(text, dataLength, source);
  checkTiling(tensors, dataLength, source);
  return { source, headerLength, dataStart, dataLength, metadata, tensors };
}

function decodeHeader(bytes: Uint8Array, source: string): string {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw headerError(source, undefined, "header is not valid UTF-8");
  }
  if (!text.startsWith("{")) {
    throw headerError(source, undefined, `header must start with "{", got ${JSON.stringify(text.slice(0, 12))}`);
  }
  const deep = findDeepNesting(text, MAX_HEADER_DEPTH);
  if (deep) {
    const where = deep.key === undefined ? undefined : deep.key === METADATA_KEY ? METADATA_KEY : tensorLabel(deep.key);
    throw new Error(
      `${source}: ${where === undefined ? "" : `${where}: `}the header nests ${deep.depth} levels deep at character ` +
        `${deep.at}; a safetensors header nests at most ${MAX_HEADER_DEPTH} (the header, a tensor entry, its shape)`,
    );
  }
  return text;
}

function parseHeaderText(
  text: string,
  dataLength: number,
  source: string,
): { metadata: Record<string, string>; tensors: Map<string, SafetensorsTensorInfo> } {
  const cur = new JsonCursor(text, (problem) => headerError(source, undefined, problem));
  let metadata: Record<string, string> | undefined;
  const tensors = new Map<string, SafetensorsTensorInfo>();
  cur.expect("{");
  if (!cur.eat("}")) {
    do {
      const key = cur.string();
      cur.expect(":");
      if (key === METADATA_KEY) {
        if (metadata) throw headerError(source, undefined, `${METADATA_KEY} appears twice in the header`);
        metadata = parseMetadata(cur, source);
        continue;
      }
      if (tensors.has(key)) throw headerError(source, key, "the name appears twice in the header");
      if (mayHaveReservedSegment(key)) checkName(key, source);
      if (tensors.size === MAX_TENSORS) {
        throw headerError(source, key, `the header holds more than ${MAX_TENSORS} tensors, the limit of this reader`);
      }
      tensors.set(key, parseEntry(cur, key, dataLength, source));
    } while (cur.more("}"));
  }
  if (!cur.atEnd()) throw cur.syntax("unexpected text after the header object");
  return { metadata: metadata ?? (Object.create(null) as Record<string, string>), tensors };
}

/** A cheap filter before `checkName`: a reserved segment is also a substring. */
function mayHaveReservedSegment(name: string): boolean {
  return RESERVED_NAME_SEGMENTS.some((segment) => name.includes(segment));
}

function parseMetadata(cur: JsonCursor, source: string): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  if (cur.peek() === 0x6e && cur.scalar() === null) return out; // the reference writes null for "no metadata" in some versions
  if (cur.peek() !== 0x7b) throw headerError(source, undefined, `${METADATA_KEY} must be an object of strings, got ${cur.describe()}`);
  cur.pos++;
  if (cur.eat("}")) return out;
  let count = 0;
  do {
    const key = cur.string();
    const label = `${METADATA_KEY}[${JSON.stringify(truncate(key))}]`;
    if (Object.prototype.hasOwnProperty.call(out, key)) throw headerError(source, undefined, `${label} appears twice`);
    for (const segment of key.split(".")) {
      if (isReservedNameSegment(segment)) throw reservedNameError(source, `${METADATA_KEY}.${key}`, segment);
    }
    if (++count > MAX_METADATA_ENTRIES) {
      throw headerError(source, undefined, `${METADATA_KEY} holds more than ${MAX_METADATA_ENTRIES} entries, the limit of this reader`);
    }
    cur.expect(":");
    if (cur.peek() !== 0x22) throw headerError(source, undefined, `${label} must be a string, got ${cur.describe()}`);
    out[key] = cur.string();
  } while (cur.more("}"));
  return out;
}

// Bits of the entry fields seen so far (duplicates are refused).
const DTYPE = 1;
const SHAPE = 2;
const OFFSETS = 4;

function parseEntry(cur: JsonCursor, name: string, dataLength: number, source: string): SafetensorsTensorInfo {
  if (cur.peek() !== 0x7b) {
    throw headerError(source, name, `entry must be an object with dtype, shape and data_offsets, got ${cur.describe()}`);
  }
  cur.pos++;
  let dtype: SafetensorsDType | undefined;
  let shape: number[] | undefined;
  let offsets: number[] | undefined;
  let seen = 0;
  if (!cur.eat("}")) {
    do {
      // The three fields are matched in place (no string is made for them) unless written with escapes.
      let bit = cur.key("dtype") ? DTYPE : cur.key("shape") ? SHAPE : cur.key("data_offsets") ? OFFSETS : 0;
      if (bit === 0) {
        const other = cur.string();
        cur.expect(":");
        bit = other === "dtype" ? DTYPE : other === "shape" ? SHAPE : other === "data_offsets" ? OFFSETS : 0;
        if (bit === 0) {
          const quoted = JSON.stringify(truncate(other));
          throw headerError(source, name, `unknown field ${quoted} (an entry holds only dtype, shape and data_offsets)`);
        }
      }
      const field = bit === DTYPE ? "dtype" : bit === SHAPE ? "shape" : "data_offsets";
      if (seen & bit) throw headerError(source, name, `field "${field}" appears twice`);
      seen |= bit;
      if (bit === DTYPE) {
        if (cur.peek() !== 0x22) throw headerError(source, name, `dtype must be a string, got ${cur.describe()}`);
        const s = cur.string();
        if (!isSafetensorsDType(s)) throw headerError(source, name, unsupportedDTypeReason(s));
        dtype = s;
      } else if (bit === SHAPE) {
        shape = readIndexArray(cur, "shape", MAX_TENSOR_RANK, source, name);
      } else {
        offsets = readIndexArray(cur, "data_offsets", 2, source, name);
      }
    } while (cur.more("}"));
  }
  return checkEntry(name, dtype, shape, offsets, dataLength, source);
}

function checkEntry(
  name: string,
  dtype: SafetensorsDType | undefined,
  shape: number[] | undefined,
  offsets: number[] | undefined,
  dataLength: number,
  source: string,
): SafetensorsTensorInfo {
  if (dtype === undefined) throw headerError(source, name, unsupportedDTypeReason(undefined));
  if (shape === undefined) {
    throw headerError(source, name, `shape must be an array of non-negative integers, got ${describeJson(undefined)}`);
  }
  if (offsets?.length !== 2) {
    const got = offsets === undefined ? describeJson(undefined) : `an array of length ${offsets.length}`;
    throw headerError(source, name, `data_offsets must be [begin, end], got ${got}`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end) throw headerError(source, name, `data_offsets ${fmtList(offsets)} end before they begin`);
  if (end > dataLength) {
    throw headerError(source, name, `data_offsets ${fmtList(offsets)} end past the data section of ${dataLength} bytes`);
  }
  let numel = 1;
  for (const d of shape) numel *= d;
  if (shape.includes(0)) numel = 0; // an empty tensor, even when other sizes are huge
  const need = numel * ITEM_SIZE[dtype];
  if (!Number.isSafeInteger(need)) throw headerError(source, name, `shape ${fmtList(shape)} has too many elements to address`);
  const held = end - begin;
  if (held !== need) {
    throw headerError(source, name, `data_offsets ${fmtList(offsets)} hold ${held} bytes but dtype ${dtype} shape ${fmtList(shape)} needs ${need}`);
  }
  return { dtype, shape, dataOffsets: [begin, end], byteLength: held };
}

/**
 * Reads an array of at most `max` non-negative safe integers (`what` names it in errors: "shape" or
 * "data_offsets"). An array of `max` + 1 elements is refused as soon as that element appears.
 */
function readIndexArray(cur: JsonCursor, what: string, max: number, source: string, name: string): number[] {
  if (cur.peek() !== 0x5b) {
    const kind = what === "shape" ? "an array of non-negative integers" : "[begin, end]";
    throw headerError(source, name, `${what} must be ${kind}, got ${cur.describe()}`);
  }
  cur.pos++;
  const out: number[] = [];
  if (cur.eat("]")) return out;
  do {
    if (out.length === max) {
      const problem = what === "shape" ? `shape has more than ${max} dimensions` : "data_offsets must be [begin, end], got more than 2 numbers";
      throw headerError(source, name, problem);
    }
    const c = cur.peek();
    const v = c === 0x5b || c === 0x7b ? undefined : cur.scalar();
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) {
      const got = v === undefined ? cur.describe() : describeJson(v);
      throw headerError(source, name, `${what}[${out.length}] must be a non-negative integer, got ${got}`);
    }
    out.push(v === 0 ? 0 : v); // -0 reads as 0
  } while (cur.more("]"));
  return out;
}
