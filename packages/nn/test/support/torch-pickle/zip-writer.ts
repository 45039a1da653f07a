/**
 * Test helper: writes a zip archive as PyTorch's writer does: every entry stored (uncompressed), data
 * aligned to 64 bytes with a padding extra field; optionally deflated entries to exercise that path.
 */
import { deflateRawSync } from "node:zlib";
import { crc32 } from "../../../src/torch-pickle/zip/crc32.js";

/** CRC-32 (IEEE) of `bytes`: the reader's own implementation, re-exported for tests and fuzz cases. */
export { crc32 };

/** One file of the archive. */
export interface ZipInput {
  readonly name: string;
  readonly data: Uint8Array;
  /** Deflate this entry instead of storing it. */
  readonly deflate?: boolean;
}

/**
 * Writes the entries into one zip file. With `zip64`, the end of the central directory is written as PyTorch
 * writes it: a zip64 end record and locator, then a classic record whose counts and offset say "see zip64".
 * (Entries themselves never need zip64 at test sizes.)
 */
export function writeZip(entries: readonly ZipInput[], align = 64, zip64 = false): Uint8Array {
  const chunks: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  const enc = new TextEncoder();
  for (const e of entries) {
    const name = enc.encode(e.name);
    const body = e.deflate ? new Uint8Array(deflateRawSync(e.data)) : e.data;
    const crc = crc32(e.data);
    let pad = 0;
    if (!e.deflate && align > 1) {
      const dataStart = offset + 30 + name.length + 4;
      pad = (align - (dataStart % align)) % align;
    }
    const extraLen = e.deflate || align <= 1 ? 0 : 4 + pad;
    const local = new Uint8Array(30 + name.length + extraLen);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint16(8, e.deflate ? 8 : 0, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, body.length, true);
    lv.setUint32(22, e.data.length, true);
    lv.setUint16(26, name.length, true);
    lv.setUint16(28, extraLen, true);
    local.set(name, 30);
    if (extraLen > 0) {
      lv.setUint16(30 + name.length, 0x4246, true); // "FB", the padding field PyTorch uses
      lv.setUint16(32 + name.length, pad, true);
    }
    const cd = new Uint8Array(46 + name.length);
    const cv = new DataView(cd.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint16(10, e.deflate ? 8 : 0, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, body.length, true);
    cv.setUint32(24, e.data.length, true);
    cv.setUint16(28, name.length, true);
    cv.setUint32(42, offset, true);
    cd.set(name, 46);
    central.push(cd);
    chunks.push(local, body);
    offset += local.length + body.length;
  }
  const cdSize = central.reduce((a, c) => a + c.length, 0);
  const tail: Uint8Array[] = [];
  if (zip64) {
    const rec = new Uint8Array(56 + 20);
    const rv = new DataView(rec.buffer);
    rv.setUint32(0, 0x06064b50, true);
    rv.setBigUint64(4, 44n, true); // size of the rest of the record
    rv.setUint16(12, 45, true);
    rv.setUint16(14, 45, true);
    rv.setBigUint64(24, BigInt(entries.length), true);
    rv.setBigUint64(32, BigInt(entries.length), true);
    rv.setBigUint64(40, BigInt(cdSize), true);
    rv.setBigUint64(48, BigInt(offset), true);
    rv.setUint32(56, 0x07064b50, true); // locator
    rv.setBigUint64(64, BigInt(offset + cdSize), true);
    rv.setUint32(72, 1, true);
    tail.push(rec);
  }
  const eocd = new Uint8Array(22);
  const ev = new DataView(eocd.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, zip64 ? 0xffff : entries.length, true);
  ev.setUint16(10, zip64 ? 0xffff : entries.length, true);
  ev.setUint32(12, zip64 ? 0xffffffff : cdSize, true);
  ev.setUint32(16, zip64 ? 0xffffffff : offset, true);
  const all = [...chunks, ...central, ...tail, eocd];
  const out = new Uint8Array(all.reduce((a, c) => a + c.length, 0));
  let at = 0;
  for (const c of all) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
