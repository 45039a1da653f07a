import { createReadStream } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { extname, join } from "node:path";
import tar from "tar-stream";

/** One encoded image found in a dataset (a file, or a member of a webdataset shard). */
export interface ImageRecord {
  /** Where it came from, for reports: `path` or `shard.tar:member`. */
  readonly name: string;
  /** The encoded file (JPEG, PNG or WebP). */
  readonly bytes: Uint8Array;
}

const IMAGE_EXTS = new Set([".jpg", ".jpeg", ".png", ".webp"]);

/** The files of a dataset: image files of a folder (recursively) or `.tar` shards, in sorted order. */
export async function listDataset(path: string): Promise<{
  /** Image files of a folder, or webdataset `.tar` shards. */
  kind: "folder" | "shards";
  /** The image files or the shards, sorted. */
  files: string[];
}> {
  const info = await stat(path).catch(() => null);
  if (!info) throw new Error(`dataset: ${path} does not exist`);
  if (info.isFile()) {
    if (extname(path) !== ".tar") throw new Error(`dataset: ${path} is a file but not a .tar shard`);
    return { kind: "shards", files: [path] };
  }
  const files: string[] = [];
  const walk = async (dir: string) => {
    for (const e of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else files.push(p);
    }
  };
  await walk(path);
  const shards = files.filter((f) => extname(f) === ".tar");
  const images = files.filter((f) => IMAGE_EXTS.has(extname(f).toLowerCase()));
  if (shards.length && !images.length) return { kind: "shards", files: shards };
  if (!images.length) throw new Error(`dataset: no images (.jpg/.jpeg/.png/.webp) or .tar shards under ${path}`);
  return { kind: "folder", files: images };
}

/** Streams the image members of a webdataset shard (img2dataset writes `key.jpg` + `key.txt` + `key.json`). */
export async function* readShard(path: string): AsyncGenerator<ImageRecord> {
  const extract = tar.extract();
  const input = createReadStream(path);
  input.on("error", (e) => extract.destroy(e));
  input.pipe(extract);
  try {
    for await (const entry of extract) {
      const name = entry.header.name;
      if (entry.header.type === "file" && IMAGE_EXTS.has(extname(name).toLowerCase())) {
        const chunks: Buffer[] = [];
        for await (const c of entry) chunks.push(c as Buffer);
        yield { name: `${path}:${name}`, bytes: new Uint8Array(Buffer.concat(chunks)) };
      } else {
        entry.resume();
      }
    }
  } catch (e) {
    throw new Error(`dataset: shard ${path} is unreadable (${(e as Error).message})`);
  }
}

/** Reads one image file. */
export async function readImageFile(path: string): Promise<ImageRecord> {
  return { name: path, bytes: new Uint8Array(await readFile(path)) };
}
