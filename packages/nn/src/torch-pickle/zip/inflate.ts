/**
 * Inflates raw deflate data to exactly its declared size and no further: node:zlib's `inflateRawSync` with
 * `maxOutputLength` where the runtime has it, else the web `DecompressionStream("deflate-raw")`, stopped as
 * soon as it passes the declared size. A zip bomb therefore costs at most the declared (and checked) size.
 */

type NodeInflate = (data: Uint8Array, options: { maxOutputLength: number }) => Uint8Array;

let nodeInflate: Promise<NodeInflate | undefined> | undefined;

function loadNodeInflate(): Promise<NodeInflate | undefined> {
  nodeInflate ??= import("node:zlib").then(
    (z) => z.inflateRawSync as NodeInflate,
    () => undefined,
  );
  return nodeInflate;
}

async function inflateWeb(data: Uint8Array, size: number): Promise<Uint8Array> {
  const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
  const reader = stream.getReader();
  const out = new Uint8Array(size);
  let at = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (at + value.length > size) {
      await reader.cancel();
      throw new Error(`inflates past its declared size of ${size} bytes`);
    }
    out.set(value, at);
    at += value.length;
  }
  if (at !== size) throw new Error(`inflates to ${at} bytes, not its declared ${size}`);
  return out;
}

/** The inflation of `data`, which must be exactly `size` bytes; more or fewer, or corrupt data, is an error. */
export async function inflateExactly(data: Uint8Array, size: number): Promise<Uint8Array> {
  const inflate = await loadNodeInflate();
  if (!inflate) return inflateWeb(data, size);
  let out: Uint8Array;
  try {
    // maxOutputLength must be at least 1; a larger output stops inflation with ERR_BUFFER_TOO_LARGE.
    out = inflate(data, { maxOutputLength: Math.max(size, 1) });
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code === "ERR_BUFFER_TOO_LARGE") throw new Error(`inflates past its declared size of ${size} bytes`);
    throw new Error(`corrupted deflate data (${(e as Error).message})`);
  }
  if (out.length !== size) throw new Error(`inflates to ${out.length} bytes, not its declared ${size}`);
  return out;
}
