/**
 * CRC-32 (IEEE 802.3, as zip stores it). Uses node:zlib's native crc32 where the runtime has it (Node >= 20.15)
 * and a table-driven fallback elsewhere (browsers, older Node).
 */

type Crc32 = (bytes: Uint8Array) => number;

let table: Uint32Array | undefined;

function crc32Js(bytes: Uint8Array): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  const t = table;
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = t[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

let native: Promise<Crc32> | undefined;

/** Resolves to the fastest CRC-32 function this runtime offers. */
export function loadCrc32(): Promise<Crc32> {
  native ??= import("node:zlib").then(
    (z) => {
      const fn = (z as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;
      return fn ? (bytes: Uint8Array) => fn(bytes) >>> 0 : crc32Js;
    },
    () => crc32Js,
  );
  return native;
}

/** CRC-32 of `bytes` (the JS implementation; see {@link loadCrc32} for the fast one). */
export const crc32 = crc32Js;
