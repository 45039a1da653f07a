/**
 * Test helper: where the structures of an archive made by zip-writer.ts are, so that tests and the fuzz
 * script can corrupt one field at a time. Assumes the writer's layout (no archive comment; a zip64 end record
 * and locator directly before the classic end record when present); not a general zip reader.
 */

/** Offsets of one entry's headers and data, and its sizes. */
export interface EntryLayout {
  readonly name: string;
  /** Offset of the local header. */
  readonly local: number;
  /** Offset of the central directory record. */
  readonly central: number;
  readonly dataStart: number;
  readonly compressedSize: number;
  readonly method: number;
}

/** The archive's end structures and entries. */
export interface ZipLayout {
  /** Offset of the classic end of central directory record. */
  readonly eocd: number;
  /** Offsets of the zip64 locator and end record, when present. */
  readonly zip64?: { readonly locator: number; readonly record: number };
  readonly centralStart: number;
  readonly entries: readonly EntryLayout[];
}

/** Field offsets inside a local header and a central directory record. */
export const LOCAL = { crc: 14, compressed: 18, uncompressed: 22, nameLength: 26, extraLength: 28 } as const;
export const CENTRAL = { crc: 16, compressed: 20, uncompressed: 24, localOffset: 42 } as const;

/** Reads the layout of `bytes` (an archive written by writeZip). */
export function zipLayout(bytes: Uint8Array): ZipLayout {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const eocd = bytes.length - 22;
  const zip64 = v.getUint32(eocd - 20, true) === 0x07064b50 ? { locator: eocd - 20, record: Number(v.getBigUint64(eocd - 12, true)) } : undefined;
  const centralStart = zip64 ? Number(v.getBigUint64(zip64.record + 48, true)) : v.getUint32(eocd + 16, true);
  const count = zip64 ? Number(v.getBigUint64(zip64.record + 32, true)) : v.getUint16(eocd + 10, true);
  const entries: EntryLayout[] = [];
  let at = centralStart;
  for (let i = 0; i < count; i++) {
    const nameLength = v.getUint16(at + 28, true);
    const local = v.getUint32(at + CENTRAL.localOffset, true);
    const name = new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLength));
    const dataStart = local + 30 + v.getUint16(local + LOCAL.nameLength, true) + v.getUint16(local + LOCAL.extraLength, true);
    entries.push({ name, local, central: at, dataStart, compressedSize: v.getUint32(at + CENTRAL.compressed, true), method: v.getUint16(at + 10, true) });
    at += 46 + nameLength + v.getUint16(at + 30, true) + v.getUint16(at + 32, true);
  }
  return { eocd, zip64, centralStart, entries };
}

/** The entry named `name` (throws when absent). */
export function entryNamed(layout: ZipLayout, name: string): EntryLayout {
  const e = layout.entries.find((x) => x.name === name);
  if (!e) throw new Error(`no entry ${name} (have ${layout.entries.map((x) => x.name).join(", ")})`);
  return e;
}
