// Missing inputs say which file is missing and how to get it: the CLIP checkpoint is checked before anything
// else (`eval mmvp --clip nope.safetensors` used to complain about the BPE vocabulary), and postTrain names
// the download command of the preset's checkpoint and of SD-2.1-base.
import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clipCheckpointHint, sdDownloadCommand } from "@diva/nn";
import { postTrain } from "../src/train/post-train.js";

const REPO = join(import.meta.dirname, "..", "..", "..");
const MAIN = join(REPO, "packages", "diva", "src", "cli", "main.ts");
let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "diva-missing-"));
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe("missing files", () => {
  it("diva eval mmvp --clip nope.safetensors names the checkpoint and how to get it, without a stack trace", () => {
    const r = spawnSync(process.execPath, ["--conditions=source", "--import", "tsx", MAIN, "eval", "mmvp", "--preset", "openai-vit-l-14", "--clip", join(root, "nope.safetensors"), "--benchmark", join(root, "no-mmvp")], {
      cwd: REPO,
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`CLIP checkpoint ${join(root, "nope.safetensors")} does not exist; ${clipCheckpointHint("openai-vit-l-14")}`);
    expect(r.stderr).not.toMatch(/vocabulary|ENOENT|\n\s+at /);
  });

  it("postTrain names the missing CLIP checkpoint, then the missing SD folder, each with its download command", async () => {
    const base = { preset: "openai-vit-l-14", images: root, out: join(root, "out.safetensors") };
    await expect(postTrain({ ...base, clip: join(root, "ViT-L-14.safetensors"), sd: join(root, "sd") })).rejects.toThrow(
      `CLIP checkpoint ${join(root, "ViT-L-14.safetensors")} does not exist; ${clipCheckpointHint("openai-vit-l-14")}`,
    );
    const clip = join(root, "clip.safetensors");
    await writeFile(clip, "");
    await expect(postTrain({ ...base, clip, sd: join(root, "sd") })).rejects.toThrow(
      `Stable Diffusion folder ${join(root, "sd")} does not exist; get SD-2.1-base with: ${sdDownloadCommand(join(root, "sd"))}`,
    );
  });
});
