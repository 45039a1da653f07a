/**
 * Recognises files that are not zip archives but look like PyTorch's pre-1.6 serialization (a bare pickle
 * stream starting with protocol 2 and the magic number), so that the error can say what to do.
 */

const LEGACY_HEAD = [0x80, 0x02, 0x8a, 0x0a]; // PROTO 2, LONG1 of 10 bytes (the magic number)

/** The first `n` bytes of the source (fewer for a short file). */
async function head(source: string | Uint8Array, n: number): Promise<Uint8Array> {
  if (typeof source !== "string") return source.subarray(0, n);
  const fs = await import("node:fs/promises");
  const handle = await fs.open(source, "r");
  try {
    const buf = new Uint8Array(n);
    const { bytesRead } = await handle.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** True when the source starts like a legacy (non-zip) torch.save file. Never throws. */
export async function looksLikeLegacyTorch(source: string | Uint8Array): Promise<boolean> {
  try {
    const h = await head(source, LEGACY_HEAD.length);
    return LEGACY_HEAD.every((b, i) => h[i] === b);
  } catch {
    return false;
  }
}
