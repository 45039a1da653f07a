import { readdir, stat } from "node:fs/promises";
import { extname, join } from "node:path";
import tar from "tar-stream";
import { DEFAULT_MAX_IMAGE_BYTES, formatBytes } from "./limits.js";
import { openRegularFile, readRegularFile } from "./regular-file.js";

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
  if (!info.isDirectory()) throw new Error(`dataset: ${path} is neither a folder nor a .tar shard`);
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

/** A dataset record that could not be read (an unreadable file, shard member or shard), with the reason. */
export interface UnreadableRecord {
  /** Where it came from: `path`, `shard.tar:member` or `shard.tar`. */
  readonly name: string;
  /** Why it was skipped. */
  readonly error: string;
}

/** What a dataset yields: an encoded image, or a record to skip and report. */
export type DatasetRecord = ImageRecord | UnreadableRecord;

/**
 * Streams the image members of a webdataset shard (img2dataset writes `key.jpg` + `key.txt` + `key.json`).
 * Never throws: a member over `maxBytes` is yielded as an unreadable record (its bytes are passed over, not
 * buffered), and a shard that cannot be opened, is not a regular file, or ends early (truncated) or turns
 * corrupt yields one unreadable record naming the member or the shard, after the members read before it. The
 * records depend only on the shard's bytes, so a resumed stream meets them at the same positions.
 */
export async function* readShard(path: string, maxBytes = DEFAULT_MAX_IMAGE_BYTES): AsyncGenerator<DatasetRecord> {
  let opened: Awaited<ReturnType<typeof openRegularFile>>;
  try {
    opened = await openRegularFile(path);
  } catch (e) {
    yield { name: path, error: `unreadable shard (${messageOf(e)})` };
    return;
  }
  const extract = tar.extract();
  const input = opened.handle.createReadStream({ start: 0 });
  input.on("error", (e) => extract.destroy(e));
  input.pipe(extract);
  let members = 0;
  let member: string | null = null;
  try {
    for await (const entry of extract) {
      const name = entry.header.name;
      members++;
      if (entry.header.type === "file" && IMAGE_EXTS.has(extname(name).toLowerCase())) {
        member = name;
        const size = entry.header.size ?? 0;
        if (size > maxBytes) {
          for await (const _ of entry) void _; // pass over the data without keeping it
          member = null;
          yield { name: `${path}:${name}`, error: `shard member of ${formatBytes(size)}, over the limit of ${formatBytes(maxBytes)} (raise it with maxImageBytes)` };
          continue;
        }
        const chunks: Buffer[] = [];
        for await (const c of entry) chunks.push(c as Buffer);
        member = null;
        yield { name: `${path}:${name}`, bytes: new Uint8Array(Buffer.concat(chunks)) };
      } else {
        entry.resume();
      }
    }
  } catch (e) {
    const why = `${messageOf(e)}; the rest of the shard is skipped`;
    yield member !== null
      ? { name: `${path}:${member}`, error: `shard truncated or corrupt in this member (${why})` }
      : { name: path, error: `shard truncated or corrupt after ${members} member(s) (${why})` };
  } finally {
    extract.destroy();
    input.destroy();
  }
}

/** Reads one image file: a regular file (symbolic links followed) of at most `maxBytes`. */
export async function readImageFile(path: string, maxBytes = DEFAULT_MAX_IMAGE_BYTES): Promise<ImageRecord> {
  return { name: path, bytes: await readRegularFile(path, maxBytes) };
}

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));
