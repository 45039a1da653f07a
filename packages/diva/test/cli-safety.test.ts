import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { haveBpe, SHARED_BPE, TINY_PRESET_JSON, writeTinySetup } from "./fixtures/tiny-models.js";
import { diva } from "./fixtures/run-diva.js";

const bpe = await haveBpe();
if (!bpe) console.log(`CLI safety runs skipped: the CLIP BPE vocabulary ${SHARED_BPE} is not on this machine`);

let root: string;
let common: string[];

describe.skipIf(!bpe)("diva post-train: limits and output checks from the command line", () => {
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "diva-cli-safety-"));
    const tiny = await writeTinySetup(join(root, "setup"), { images: 4 });
    const preset = join(root, "tiny-preset.json");
    await writeFile(preset, JSON.stringify(TINY_PRESET_JSON));
    await writeFile(join(root, "file.txt"), "not a folder");
    common = ["post-train", "--preset", preset, "--clip", tiny.clip, "--sd", tiny.sd, "--images", tiny.images, "--steps", "1", "--images-per-step", "2"];
  });
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it("--checkpoint-dir that cannot be created fails before step 1; --resume-lr with nothing to resume and --max-image-pixels are honoured", async () => {
    const [ckpt, resumeLr, pixels] = await Promise.all([
      diva([...common, "--out", join(root, "a", "out.safetensors"), "--checkpoint-dir", join(root, "file.txt", "ckpt")]),
      diva([...common, "--out", join(root, "b", "out.safetensors"), "--checkpoint-dir", join(root, "b", "ckpt"), "--resume-lr", "0.01"]),
      diva([...common, "--out", join(root, "c", "out.safetensors"), "--max-image-pixels", "100"]),
    ]);
    expect(ckpt.code, ckpt.out).toBe(1);
    expect(ckpt.err).toContain(`error: checkpoint folder ${join(root, "file.txt", "ckpt")}: cannot create the folder`);
    expect(ckpt.out).not.toMatch(/step 1/);

    expect(resumeLr.code, resumeLr.out).toBe(1);
    expect(resumeLr.err).toContain(`resumeOverrides.lr (--resume-lr) changes the learning rate of a resumed run, but there is no checkpoint in ${join(root, "b", "ckpt")}`);

    // the 40x36 images are all over 100 pixels: every one is refused before decoding, until the stream gives up
    expect(pixels.code, pixels.out).toBe(1);
    expect(pixels.err).toMatch(/over 1000 consecutive unreadable images \(last: .*: image is 40x36 \(1440 pixels\), over the limit of 100 pixels; not decoded/);
  });
});
