/**
 * A strict reader of a zip archive's directory: the end-of-central-directory record (and its zip64 locator
 * and record), the central directory, and every entry's local header. Every offset and size is checked against
 * the file size and against the structures around it before it is used; local headers must agree with the
 * central directory (name, method, flags, CRC, sizes); entries' data ranges must not overlap. Anything else is
 * a {@link ZipFormatError} saying which structure and field is wrong.
 */
import { checkRange, type ByteSource } from "./byte-source.js";

/** A structural problem with the archive; `part` says whether it is the end records or an entry's headers. */
export class ZipFormatError extends Error {
  /** `part` is "end" (end of central directory, zip64) or "directory" (central directory, local headers). */
  constructor(
    readonly part: "end" | "directory",
    message: string,
  ) {
    super(message);
    this.name = "ZipFormatError";
  }
}

/** One entry, with everything needed to read its data without reading any header again. */
export interface ZipEntry {
  readonly name: string;
  /** 0 stored, 8 deflated (others are refused when read). */
  readonly method: number;
  readonly encrypted: boolean;
  readonly crc32: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  /** Offset of the local header. */
  readonly headerStart: number;
  /** Offset of the entry's (compressed) data. */
  readonly dataStart: number;
}

const EOCD_SIG = 0x06054b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const ZIP64_EOCD_SIG = 0x06064b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;
const EOCD_SIZE = 22;
const LOCATOR_SIZE = 20;
const ZIP64_EOCD_MIN = 56;
const CENTRAL_SIZE = 46;
const LOCAL_SIZE = 30;
const MAX_COMMENT = 0xffff;
/** The largest central directory read into memory (millions of entries; torch archives have thousands). */
const MAX_DIRECTORY_BYTES = 64 * 1024 * 1024;

const utf8 = new TextDecoder("utf-8", { fatal: true });

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A little-endian u64 as a number; values past 2^53 (never a real offset or size) are an error. */
function u64(v: DataView, at: number, what: string, part: ZipFormatError["part"]): number {
  const lo = v.getUint32(at, true);
  const hi = v.getUint32(at + 4, true);
  if (hi >= 0x200000) throw new ZipFormatError(part, `${what} ${hi} * 2^32 + ${lo} is past 2^53, larger than any file`);
  return hi * 0x100000000 + lo;
}

/** Where the central directory is and how many entries it has. */
interface DirectoryBounds {
  readonly offset: number;
  readonly size: number;
  readonly count: number;
  /** The first byte after the entries' data: the central directory must end at or before it. */
  readonly limit: number;
}

async function findEnd(src: ByteSource): Promise<{ at: number; v: DataView }> {
  if (src.size < EOCD_SIZE) throw new ZipFormatError("end", `the file has ${src.size} bytes, fewer than an end of central directory record`);
  const tailLength = Math.min(src.size, EOCD_SIZE + MAX_COMMENT);
  const tailStart = src.size - tailLength;
  const tail = await src.read(tailStart, tailLength, "end of central directory");
  const v = view(tail);
  // The last record whose comment runs exactly to the end of the file.
  for (let i = tailLength - EOCD_SIZE; i >= 0; i--) {
    if (v.getUint32(i, true) === EOCD_SIG && i + EOCD_SIZE + v.getUint16(i + 20, true) === tailLength) {
      return { at: tailStart + i, v: view(tail.subarray(i, i + EOCD_SIZE)) };
    }
  }
  throw new ZipFormatError("end", "no end of central directory record (not a zip, or truncated)");
}

async function readBounds(src: ByteSource): Promise<DirectoryBounds> {
  const end = await findEnd(src);
  const e = end.v;
  const disk = e.getUint16(4, true);
  const cdDisk = e.getUint16(6, true);
  const diskCount = e.getUint16(8, true);
  let count = e.getUint16(10, true);
  let size = e.getUint32(12, true);
  let offset = e.getUint32(16, true);
  let limit = end.at;

  const locatorAt = end.at - LOCATOR_SIZE;
  const locator = locatorAt >= 0 ? view(await src.read(locatorAt, LOCATOR_SIZE, "zip64 locator")) : undefined;
  if (locator && locator.getUint32(0, true) === ZIP64_LOCATOR_SIG) {
    if (locator.getUint32(4, true) !== 0) throw new ZipFormatError("end", `zip64 locator: multi-disk archives are not supported`);
    const recordAt = u64(locator, 8, "zip64 locator: end record offset", "end");
    if (recordAt + ZIP64_EOCD_MIN > locatorAt) {
      throw new ZipFormatError("end", `zip64 locator: end record offset ${recordAt} does not leave room for the record before the locator at ${locatorAt}`);
    }
    const r = view(await src.read(recordAt, ZIP64_EOCD_MIN, "zip64 end record"));
    if (r.getUint32(0, true) !== ZIP64_EOCD_SIG) throw new ZipFormatError("end", `zip64 locator: no zip64 end record at offset ${recordAt}`);
    const recordSize = u64(r, 4, "zip64 end record: size", "end");
    if (recordSize < ZIP64_EOCD_MIN - 12 || recordAt + 12 + recordSize > locatorAt) {
      throw new ZipFormatError("end", `zip64 end record: size ${recordSize} does not fit between offset ${recordAt} and the locator at ${locatorAt}`);
    }
    if (r.getUint32(16, true) !== 0 || r.getUint32(20, true) !== 0) throw new ZipFormatError("end", `zip64 end record: multi-disk archives are not supported`);
    const count64 = u64(r, 32, "zip64 end record: entry count", "end");
    if (u64(r, 24, "zip64 end record: entries on this disk", "end") !== count64) throw new ZipFormatError("end", `zip64 end record: multi-disk archives are not supported`);
    const size64 = u64(r, 40, "zip64 end record: central directory size", "end");
    const offset64 = u64(r, 48, "zip64 end record: central directory offset", "end");
    // Classic fields must say "see zip64" or agree with it.
    if ((count !== 0xffff && count !== count64) || (size !== 0xffffffff && size !== size64) || (offset !== 0xffffffff && offset !== offset64)) {
      throw new ZipFormatError("end", `the end of central directory record (${count} entries, ${size} bytes at ${offset}) disagrees with the zip64 record (${count64} entries, ${size64} bytes at ${offset64})`);
    }
    count = count64;
    size = size64;
    offset = offset64;
    limit = recordAt;
  } else {
    if (disk !== 0 || cdDisk !== 0 || diskCount !== count) throw new ZipFormatError("end", `multi-disk archives are not supported`);
    if (count === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
      throw new ZipFormatError("end", `the end of central directory record says "see zip64" but there is no zip64 locator`);
    }
  }
  if (offset + size > limit) {
    throw new ZipFormatError("end", `central directory (${size} bytes at offset ${offset}) runs past its end at byte ${limit} (file of ${src.size} bytes)`);
  }
  if (count * CENTRAL_SIZE > size) throw new ZipFormatError("end", `${count} entries cannot fit in a central directory of ${size} bytes`);
  if (size > MAX_DIRECTORY_BYTES) throw new ZipFormatError("end", `central directory of ${size} bytes, more than the ${MAX_DIRECTORY_BYTES} this reader accepts`);
  return { offset, size, count, limit };
}

/** Central-directory facts about an entry, before its local header is checked. */
interface CentralRecord {
  readonly index: number;
  readonly name: string;
  readonly rawName: Uint8Array;
  readonly flags: number;
  readonly method: number;
  readonly crc32: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly headerStart: number;
}

/** Zip64 extended-information fields, in their fixed order, for those whose 32-bit field is all ones. */
function zip64Extra(extra: Uint8Array, wanted: readonly string[], what: string): number[] {
  const v = view(extra);
  for (let at = 0; at + 4 <= extra.length; ) {
    const id = v.getUint16(at, true);
    const len = v.getUint16(at + 2, true);
    if (at + 4 + len > extra.length) throw new ZipFormatError("directory", `${what}: extra field 0x${id.toString(16)} runs past the extra data`);
    if (id === 0x0001) {
      if (len < 8 * wanted.length) throw new ZipFormatError("directory", `${what}: zip64 extra field has ${len} bytes, too few for ${wanted.join(", ")}`);
      return wanted.map((w, i) => u64(v, at + 4 + 8 * i, `${what}: zip64 ${w}`, "directory"));
    }
    at += 4 + len;
  }
  if (wanted.length > 0) throw new ZipFormatError("directory", `${what}: ${wanted.join(", ")} say "see zip64" but there is no zip64 extra field`);
  return [];
}

function parseCentral(cd: Uint8Array, count: number): CentralRecord[] {
  const v = view(cd);
  const out: CentralRecord[] = [];
  let at = 0;
  for (let index = 0; index < count; index++) {
    const what = `central directory entry ${index}`;
    if (at + CENTRAL_SIZE > cd.length) throw new ZipFormatError("directory", `${what} runs past the end of the central directory`);
    if (v.getUint32(at, true) !== CENTRAL_SIG) throw new ZipFormatError("directory", `${what}: bad signature at directory byte ${at}`);
    const flags = v.getUint16(at + 8, true);
    const method = v.getUint16(at + 10, true);
    const crc32 = v.getUint32(at + 16, true);
    let compressedSize = v.getUint32(at + 20, true);
    let uncompressedSize = v.getUint32(at + 24, true);
    const nameLength = v.getUint16(at + 28, true);
    const extraLength = v.getUint16(at + 30, true);
    const commentLength = v.getUint16(at + 32, true);
    const diskStart = v.getUint16(at + 34, true);
    let headerStart = v.getUint32(at + 42, true);
    const next = at + CENTRAL_SIZE + nameLength + extraLength + commentLength;
    if (next > cd.length) throw new ZipFormatError("directory", `${what}: name, extra and comment run past the end of the central directory`);
    const rawName = cd.subarray(at + CENTRAL_SIZE, at + CENTRAL_SIZE + nameLength);
    let name: string;
    try {
      name = utf8.decode(rawName);
    } catch {
      throw new ZipFormatError("directory", `${what}: the name is not valid UTF-8`);
    }
    const label = `entry "${name}"`;
    const wanted: string[] = [];
    if (uncompressedSize === 0xffffffff) wanted.push("uncompressed size");
    if (compressedSize === 0xffffffff) wanted.push("compressed size");
    if (headerStart === 0xffffffff) wanted.push("local header offset");
    const extra = cd.subarray(at + CENTRAL_SIZE + nameLength, at + CENTRAL_SIZE + nameLength + extraLength);
    const values = zip64Extra(extra, wanted, label);
    let k = 0;
    if (uncompressedSize === 0xffffffff) uncompressedSize = values[k++]!;
    if (compressedSize === 0xffffffff) compressedSize = values[k++]!;
    if (headerStart === 0xffffffff) headerStart = values[k++]!;
    if (diskStart !== 0 && diskStart !== 0xffff) throw new ZipFormatError("directory", `${label}: multi-disk archives are not supported`);
    out.push({ index, name, rawName, flags, method, crc32, compressedSize, uncompressedSize, headerStart });
    at = next;
  }
  if (at !== cd.length) throw new ZipFormatError("directory", `the central directory has ${cd.length - at} bytes after its ${count} entries`);
  return out;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Reads and checks an entry's local header against its central record; returns the entry. */
async function checkLocal(src: ByteSource, c: CentralRecord, dataLimit: number): Promise<ZipEntry> {
  const label = `entry "${c.name}"`;
  if (c.headerStart + LOCAL_SIZE > dataLimit) {
    throw new ZipFormatError("directory", `${label}: local header offset ${c.headerStart} is not before the central directory at ${dataLimit}`);
  }
  const h = view(await src.read(c.headerStart, LOCAL_SIZE, `${label} local header`));
  if (h.getUint32(0, true) !== LOCAL_SIG) throw new ZipFormatError("directory", `${label}: no local header at offset ${c.headerStart}`);
  const flags = h.getUint16(6, true);
  const method = h.getUint16(8, true);
  const crc = h.getUint32(14, true);
  let comp = h.getUint32(18, true);
  let uncomp = h.getUint32(22, true);
  const nameLength = h.getUint16(26, true);
  const extraLength = h.getUint16(28, true);
  const dataStart = c.headerStart + LOCAL_SIZE + nameLength + extraLength;
  if (dataStart > dataLimit) throw new ZipFormatError("directory", `${label}: local header runs into the central directory`);
  const tail = await src.read(c.headerStart + LOCAL_SIZE, nameLength + extraLength, `${label} local header`);
  if (!sameBytes(tail.subarray(0, nameLength), c.rawName)) throw new ZipFormatError("directory", `${label}: the local header names a different file`);
  if (method !== c.method) throw new ZipFormatError("directory", `${label}: compression method ${method} in the local header, ${c.method} in the central directory`);
  if ((flags & 0x0009) !== (c.flags & 0x0009)) throw new ZipFormatError("directory", `${label}: local and central flags disagree (0x${flags.toString(16)} vs 0x${c.flags.toString(16)})`);
  const wanted: string[] = [];
  if (uncomp === 0xffffffff) wanted.push("uncompressed size");
  if (comp === 0xffffffff) wanted.push("compressed size");
  const values = zip64Extra(tail.subarray(nameLength), wanted, `${label} local header`);
  if (uncomp === 0xffffffff) uncomp = values[0]!;
  if (comp === 0xffffffff) comp = values[wanted.length - 1]!;
  // With a data descriptor (flag bit 3) the local fields may be zero; otherwise they must match exactly.
  const deferred = (c.flags & 0x0008) !== 0 && crc === 0 && comp === 0 && uncomp === 0;
  if (!deferred && (crc !== c.crc32 || comp !== c.compressedSize || uncomp !== c.uncompressedSize)) {
    throw new ZipFormatError(
      "directory",
      `${label}: the local header (CRC ${crc.toString(16)}, ${comp} bytes compressed, ${uncomp} uncompressed) disagrees with the central directory (CRC ${c.crc32.toString(16)}, ${c.compressedSize}, ${c.uncompressedSize})`,
    );
  }
  if (c.method === 0 && c.compressedSize !== c.uncompressedSize) {
    throw new ZipFormatError("directory", `${label}: stored (uncompressed) but its sizes differ (${c.compressedSize} vs ${c.uncompressedSize})`);
  }
  try {
    checkRange(dataStart, c.compressedSize, dataLimit, `${label} data`);
  } catch {
    throw new ZipFormatError("directory", `${label}: ${c.compressedSize} bytes of data at offset ${dataStart} run past the central directory at ${dataLimit}`);
  }
  return {
    name: c.name,
    method: c.method,
    encrypted: (c.flags & 0x0001) !== 0,
    crc32: c.crc32,
    compressedSize: c.compressedSize,
    uncompressedSize: c.uncompressedSize,
    headerStart: c.headerStart,
    dataStart,
  };
}

/** Refuses archives in which two entries' headers or data share bytes (overlapping-entry zip bombs). */
function checkOverlaps(entries: readonly ZipEntry[]): void {
  const sorted = [...entries].sort((a, b) => a.headerStart - b.headerStart);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    const cur = sorted[i]!;
    const prevEnd = prev.dataStart + prev.compressedSize;
    if (cur.headerStart < prevEnd) {
      throw new ZipFormatError("directory", `entries "${prev.name}" (bytes ${prev.headerStart} to ${prevEnd}) and "${cur.name}" (from byte ${cur.headerStart}) overlap`);
    }
  }
}

/** Reads and checks the whole directory of the archive in `src`; entries in central-directory order. */
export async function readZipDirectory(src: ByteSource): Promise<ZipEntry[]> {
  const bounds = await readBounds(src);
  const cd = await src.read(bounds.offset, bounds.size, "central directory");
  const records = parseCentral(cd, bounds.count);
  const seen = new Set<string>();
  for (const r of records) {
    if (seen.has(r.name)) throw new ZipFormatError("directory", `two entries are named "${r.name}"`);
    seen.add(r.name);
  }
  const entries: ZipEntry[] = [];
  for (const r of records) entries.push(await checkLocal(src, r, bounds.offset));
  checkOverlaps(entries);
  return entries;
}
