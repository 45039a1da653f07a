import { mkdir, mkdtemp, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeImage } from "../src/data/image.js";
import { ImageStream, type StreamBatch } from "../src/data/stream.js";
import type { ImageLimits } from "../src/data/limits.js";
import { OPENAI_NORMALIZATION } from "../src/presets.js";
import { imageShard, makeFifo, pngClaiming, releaseFifo, shardBytes, solidPng, within, writeTruncated } from "./fixtures/bad-data.js";

const OPTS = { seed: 5, vaeSize: 8, clipSize: 8, cropScale: [0.9, 1] as const, normalization: OPENAI_NORMALIZATION };
// a bound on waits that used to hang: far above the few milliseconds these reads take
const BOUND_MS = 15_000;

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "diva-data-safety-"));
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

/** A folder with `good` small PNGs. */
async function imageFolder(name: string, good: number): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  for (let i = 0; i < good; i++) await writeFile(join(dir, `img-${i}.png`), await solidPng(i));
  return dir;
}

/** Reads `count` images from a fresh stream over `dir`, bounded in time; returns the batch and closes the stream. */
async function readSome(dir: string, count: number, limits: ImageLimits = {}): Promise<StreamBatch> {
  const s = await ImageStream.open(dir, OPTS, 0, limits);
  try {
    const b = await within(s.next(count), BOUND_MS, `reading ${dir}`);
    b.clipImages.dispose();
    b.vaeImages.dispose();
    return b;
  } finally {
    await closeBounded(s);
  }
}

/** Closes a stream; a stream whose read hung cannot close (the generator is still inside that read), so this is bounded too. */
async function closeBounded(s: ImageStream): Promise<void> {
  await within(s.close(), 2000, "closing the stream").catch(() => undefined);
}

describe("image folders: only regular files, bounded bytes and pixels", () => {
  it.runIf(process.platform !== "win32")("skips and reports a FIFO named x.jpg instead of waiting for a writer forever", async () => {
    const dir = await imageFolder("fifo", 2);
    const fifo = join(dir, "x.jpg");
    if (!makeFifo(fifo)) {
      console.log("FIFO test skipped: mkfifo is not available on this machine");
      return;
    }
    try {
      const b = await readSome(dir, 4);
      expect(b.names).toHaveLength(4);
      expect(b.names.every((n) => n.endsWith(".png"))).toBe(true);
      expect(b.skipped.length).toBeGreaterThanOrEqual(1);
      expect(b.skipped[0]).toBe(`${fifo}: is a FIFO, not a regular file`);
    } finally {
      await releaseFifo(fifo);
    }
  });

  it.runIf(process.platform !== "win32")("skips a symbolic link to /dev/zero (a device, never read) instead of reading it without end", async () => {
    if (!(await stat("/dev/zero").catch(() => null))) {
      console.log("/dev/zero test skipped: this machine has no /dev/zero");
      return;
    }
    const dir = await imageFolder("zero", 2);
    await symlink("/dev/zero", join(dir, "zero.png"));
    const b = await readSome(dir, 3);
    expect(b.names).toHaveLength(3);
    expect(b.skipped).toContain(`${join(dir, "zero.png")}: is a character device, not a regular file`);
  });

  it("skips a link to a folder named like an image and a file over maxImageBytes, naming the limit", async () => {
    const dir = await imageFolder("bytes", 2);
    await symlink(root, join(dir, "folder.jpg"));
    await writeFile(join(dir, "big.png"), Buffer.concat([await solidPng(9, 200), Buffer.alloc(20_000)]));
    const b = await readSome(dir, 2, { maxImageBytes: 10_000 });
    expect(b.names.every((n) => /img-\d\.png$/.test(n))).toBe(true);
    expect(b.skipped.some((s) => s.startsWith(`${join(dir, "big.png")}: `) && /over the limit of 9\.8 KiB \(raise it with maxImageBytes\)/.test(s))).toBe(true);
    expect(b.skipped).toContain(`${join(dir, "folder.jpg")}: is a directory, not a regular file`);
  });

  it("refuses a PNG whose header claims 16000x16000 before decoding it, naming the file and the limit", async () => {
    const bomb = pngClaiming(16000, 16000);
    expect(bomb.length).toBeLessThan(200);
    await expect(decodeImage(bomb, "bomb.png")).rejects.toThrow(
      "bomb.png: image is 16000x16000 (256 megapixels), over the limit of 40 megapixels; not decoded (raise the limit with maxImagePixels / --max-image-pixels)",
    );
    // the limit is an option: raised, the header passes and decoding itself meets the (fake) pixel data
    await expect(decodeImage(bomb, "bomb.png", { maxPixels: 300_000_000 })).rejects.toThrow(/^bomb\.png: cannot decode image/);
    // and it applies to ordinary images too
    await expect(decodeImage(await solidPng(1), "small.png", { maxPixels: 100 })).rejects.toThrow("small.png: image is 24x28 (672 pixels), over the limit of 100 pixels; not decoded");

    const dir = await imageFolder("pixels", 2);
    await writeFile(join(dir, "bomb.png"), bomb);
    const b = await readSome(dir, 3);
    expect(b.skipped.some((s) => s.startsWith(`${join(dir, "bomb.png")}: image is 16000x16000`))).toBe(true);
  });

  it("a path given to decodeImage is read only if it is a regular file", async () => {
    await expect(within(decodeImage(root), BOUND_MS, "decodeImage(folder)")).rejects.toThrow(`${root}: is a directory, not a regular file`);
  });
});

describe("webdataset shards: unreadable members and truncated shards are skipped, not fatal", () => {
  let shards: string;
  beforeAll(async () => {
    shards = join(root, "shards");
    await mkdir(shards, { recursive: true });
    await writeFile(join(shards, "a.tar"), await imageShard(0, 3));
    const b = await imageShard(10, 3);
    // each member here is a 512-byte header + one 512-byte data block: cut inside the second image's data
    await writeTruncated(join(shards, "b.tar"), b, 2048 + 512 + 40);
    await writeFile(join(shards, "c.tar"), await imageShard(20, 3));
  });

  it("skips the truncated part with one report naming the shard and member, and goes on with the next shard", async () => {
    const s = await ImageStream.open(shards, OPTS);
    try {
      // an epoch: 3 + (1 + 1 unreadable) + 3 records
      const b = await within(s.next(7), BOUND_MS, "reading shards");
      b.clipImages.dispose();
      b.vaeImages.dispose();
      expect(s.consumed).toBe(8);
      expect(new Set(b.names.map((n) => n.split(":")[0]))).toEqual(new Set(["a.tar", "b.tar", "c.tar"].map((f) => join(shards, f))));
      expect(b.names).toContain(`${join(shards, "b.tar")}:000010.png`);
      expect(b.skipped).toHaveLength(1);
      expect(b.skipped[0]).toMatch(new RegExp(`^${join(shards, "b.tar")}:000011\\.png: shard truncated or corrupt in this member \\(.*; the rest of the shard is skipped\\)$`));
    } finally {
      await s.close();
    }
  });

  it("a resumed stream meets the same records at the same positions (skips included)", async () => {
    const whole = await ImageStream.open(shards, OPTS);
    const first = await whole.next(5);
    const at = whole.consumed;
    const second = await whole.next(9);
    const resumed = await ImageStream.open(shards, OPTS, at);
    const again = await resumed.next(9);
    try {
      expect(second.skipped.length).toBeGreaterThan(0);
      expect(again.names).toEqual(second.names);
      expect(again.skipped).toEqual(second.skipped);
      expect(Array.from(again.clipImages.dataSync())).toEqual(Array.from(second.clipImages.dataSync()));
      expect(resumed.consumed).toBe(whole.consumed);
    } finally {
      for (const b of [first, second, again]) {
        b.clipImages.dispose();
        b.vaeImages.dispose();
      }
      await Promise.all([whole.close(), resumed.close()]);
    }
  });

  it("skips a member over maxImageBytes without buffering it, and a shard cut inside a header", async () => {
    const dir = join(root, "shards-2");
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "a.tar"), await shardBytes([["big.png", Buffer.alloc(50_000)], ["ok.png", await solidPng(3)]]));
    await writeTruncated(join(dir, "b.tar"), await imageShard(30, 2), 300);
    const b = await readSome(dir, 2, { maxImageBytes: 10_000 });
    expect(b.names).toEqual([`${join(dir, "a.tar")}:ok.png`, `${join(dir, "a.tar")}:ok.png`]);
    expect(b.skipped).toContain(`${join(dir, "a.tar")}:big.png: shard member of 48.8 KiB, over the limit of 9.8 KiB (raise it with maxImageBytes)`);
    expect(b.skipped.some((s) => s.startsWith(`${join(dir, "b.tar")}: shard truncated or corrupt after 0 member(s)`))).toBe(true);
  });

  it("shards without a single image member are an error, not an endless loop", async () => {
    const dir = join(root, "shards-empty");
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "a.tar"), await shardBytes([["0.txt", "caption"], ["0.json", "{}"]]));
    const s = await ImageStream.open(dir, OPTS);
    try {
      await expect(within(s.next(1), BOUND_MS, "reading shards without images")).rejects.toThrow(/dataset: the shards hold no image members/);
    } finally {
      await closeBounded(s);
    }
  });
});
