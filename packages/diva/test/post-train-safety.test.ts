/**
 * postTrain's inputs and outputs under bad conditions: truncated shards, a state gone non-finite, outputs that
 * cannot be written, leftovers of killed runs. Tiny models: each run takes a fraction of a second.
 */
import { chmod, cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mul, readSafetensors, writeSafetensors } from "@diva/tensor";
import { postTrain, type PostTrainOptions } from "../src/train/post-train.js";
import { syncDirectory, writeError, writeOutput } from "../src/outputs.js";
import { listCheckpoints } from "../src/train/checkpoint.js";
import { imageShard, writeTruncated } from "./fixtures/bad-data.js";
import { haveBpe, SHARED_BPE, TINY_PRESET, writeTinySetup } from "./fixtures/tiny-models.js";

const bpe = await haveBpe();
if (!bpe) console.log(`post-train safety tests skipped: the CLIP BPE vocabulary ${SHARED_BPE} is not on this machine`);

let root: string;
let paths: { clip: string; sd: string; images: string };

const runOptions = (name: string, extra: Partial<PostTrainOptions> = {}): PostTrainOptions => ({
  preset: TINY_PRESET,
  ...paths,
  out: join(root, name, "clip-diva.safetensors"),
  steps: 3,
  imagesPerStep: 4,
  microBatch: 2,
  lr: 0.5,
  seed: 7,
  checkpointDir: join(root, name, "checkpoints"),
  checkpointEvery: 1,
  ...extra,
});

/** Runs until `step` is done, then stops (checkpoint written), as Ctrl-C would. */
async function runTo(step: number, o: PostTrainOptions): Promise<void> {
  const controller = new AbortController();
  const r = await postTrain({ ...o, signal: controller.signal, onProgress: (e) => e.step === step && controller.abort() });
  expect(r.stopped).toBe(true);
}

const names = async (dir: string) => (await listCheckpoints(dir)).map((p) => basename(p));
const exists = (p: string) => stat(p).then(() => true, () => false);

describe.skipIf(!bpe)("postTrain: bad inputs and outputs", () => {
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "diva-post-train-safety-"));
    paths = await writeTinySetup(join(root, "setup"));
  });
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it("skips and counts a truncated shard, trains on with the next shard, and a resumed run exports the same bytes", async () => {
    const shards = join(root, "shards");
    await mkdir(shards, { recursive: true });
    await writeFile(join(shards, "a.tar"), await imageShard(0, 3));
    // 512-byte headers and data blocks: cut inside the second image of b.tar
    await writeTruncated(join(shards, "b.tar"), await imageShard(10, 3), 2048 + 512 + 40);
    await writeFile(join(shards, "c.tar"), await imageShard(20, 3));
    const o = (name: string) => runOptions(name, { images: shards, steps: 2 });

    const skips: string[] = [];
    const straight = await postTrain({ ...o("shards-straight"), onSkip: (n) => skips.push(...n) });
    expect(straight.steps).toBe(2);
    expect(straight.losses.every(Number.isFinite)).toBe(true);
    // 8 images: the first epoch (3 shards, 7 readable images and an unreadable member) and one more
    expect(straight.skipped).toBeGreaterThanOrEqual(1);
    expect(straight.skippedImages).toEqual(skips);
    expect(skips[0]).toMatch(/b\.tar:000011\.png: shard truncated or corrupt in this member \(.*the rest of the shard is skipped\)$/);

    await runTo(1, o("shards-resumed"));
    const resumed = await postTrain(o("shards-resumed"));
    expect(resumed.resumedFrom).toBe(1);
    expect(resumed.losses).toEqual(straight.losses);
    expect(resumed.skipped).toBe(straight.skipped);
    expect((await readFile(resumed.out!)).equals(await readFile(straight.out!))).toBe(true);
  });

  it("never writes non-finite parameters: with no finite checkpoint yet the message says so, and nothing is exported", async () => {
    // lr 1e39 is infinite in float32: the first update makes the parameters infinite or NaN
    const o = runOptions("nan-fresh", { lr: 1e39 });
    await expect(postTrain(o)).rejects.toThrow(
      new RegExp(
        String.raw`^postTrain: the parameters after step 1 are not finite \(NaN or infinity in (params|momentum)\..*\); stopping without writing them ` +
          String.raw`\(no checkpoint of step 1, nothing exported\)\. There is no finite checkpoint in ${o.checkpointDir} to resume from: start again with a lower learning rate \(lr / --lr\)\.$`,
      ),
    );
    expect(await names(o.checkpointDir!)).toEqual([]);
    expect(await exists(o.out)).toBe(false);

    const { checkpointDir: _none, ...without } = runOptions("nan-no-dir", { lr: 1e39, steps: 1 });
    await expect(postTrain(without)).rejects.toThrow(
      /the parameters after step 1 are not finite .*nothing exported\)\. No checkpoint is kept \(no checkpointDir \/ --checkpoint-dir\): start again with a lower learning rate/,
    );
    expect(await exists(without.out)).toBe(false);
  });

  it("keeps the last finite checkpoint through NaN parameters and a blown-up loss, names it, and a resume with a lower lr finishes", async () => {
    const base = runOptions("diverge-base", { steps: 4 });
    await runTo(2, base);
    expect(await names(base.checkpointDir!)).toEqual(["diva-step-0000001.safetensors", "diva-step-0000002.safetensors"]);
    const copy = async (name: string) => {
      const o = runOptions(name, { steps: 4 });
      await cp(base.checkpointDir!, o.checkpointDir!, { recursive: true });
      return o;
    };

    // a changed lr is refused on resume unless asked for explicitly; asked for with nothing to resume, refused too
    await expect(postTrain({ ...base, lr: 0.1 })).rejects.toThrow(/was made with lr 0\.5, not 0\.1; .*resumeOverrides: \{ lr \} \/ --resume-lr/);
    await expect(postTrain(runOptions("nothing-to-resume", { resumeOverrides: { lr: 0.1 } }))).rejects.toThrow(/there is no checkpoint in .*nothing-to-resume/);

    // NaN in the parameters at the checkpoint of step 3: not written, step 2 stays the last
    const nan = await copy("diverge-nan");
    const logs: string[] = [];
    await expect(postTrain({ ...nan, resumeOverrides: { lr: 1e39 }, onLog: (m) => logs.push(m) })).rejects.toThrow(
      new RegExp(
        String.raw`the parameters after step 3 are not finite .*\(no checkpoint of step 3, nothing exported\)\. ` +
          String.raw`The last finite checkpoint is ${join(nan.checkpointDir!, "diva-step-0000002.safetensors")} \(step 2\): resume from it with a lower learning rate \(resumeOverrides: \{ lr \} / --resume-lr\)\.$`,
      ),
    );
    expect(logs).toContain("resuming with lr 1e+39 instead of the checkpoint's 0.5 (resumeOverrides.lr / --resume-lr)");
    expect(await names(nan.checkpointDir!)).toEqual(["diva-step-0000001.safetensors", "diva-step-0000002.safetensors"]);

    // a checkpoint holding NaN (as older versions wrote them) is passed over on resume for the one before it
    const { tensors, metadata } = await readSafetensors(join(nan.checkpointDir!, "diva-step-0000002.safetensors"));
    const poisoned = Object.fromEntries(Object.entries(tensors).map(([k, t], i) => [k, i === 0 ? mul(t, Number.NaN) : t]));
    await writeSafetensors(join(nan.checkpointDir!, "diva-step-0000003.safetensors"), poisoned, { metadata });
    const passedOver: string[] = [];
    const recovered = await postTrain({ ...nan, resumeOverrides: { lr: 0.1 }, onLog: (m) => passedOver.push(m) });
    expect(recovered.resumedFrom).toBe(2);
    expect(recovered.losses.every(Number.isFinite)).toBe(true);
    expect(passedOver.some((m) => /^passed over unreadable checkpoint .*diva-step-0000003\.safetensors: .*holds NaN or infinity \(in (params|momentum)\./.test(m))).toBe(true);

    // finite but blown-up parameters (about 8e35 after one step at lr 1e38): the checkpoint of step 3 is written,
    // step 4's loss is NaN, and that checkpoint is moved aside since resuming from it would fail at once
    const blown = await copy("diverge-blown");
    await expect(postTrain({ ...blown, resumeOverrides: { lr: 1e38 } })).rejects.toThrow(
      new RegExp(
        String.raw`^postTrain: the loss became NaN at step 4; stopping\. Its checkpoint of step 3 holds the parameters that gave this loss, so it was moved aside to ` +
          String.raw`${join(blown.checkpointDir!, "diverged-diva-step-0000003.safetensors")}\. The last finite checkpoint is ${join(blown.checkpointDir!, "diva-step-0000002.safetensors")} \(step 2\)`,
      ),
    );
    expect(await names(blown.checkpointDir!)).toEqual(["diva-step-0000002.safetensors"]);
    expect(await readdir(blown.checkpointDir!)).toContain("diverged-diva-step-0000003.safetensors");

    const finished = await postTrain({ ...blown, resumeOverrides: { lr: 0.1 } });
    expect(finished.resumedFrom).toBe(2);
    expect(finished.steps).toBe(4);
    expect(finished.losses.every(Number.isFinite)).toBe(true);
    expect(await exists(finished.out!)).toBe(true);
    // its checkpoints record the new rate: resuming them needs no override, and the old rate is now the change
    await expect(postTrain(blown)).rejects.toThrow(/was made with lr 0\.1, not 0\.5/);
  });

  it("stops on a blown-up loss with no finite checkpoint left, saying so", async () => {
    const o = runOptions("blown-fresh", { lr: 1e38 });
    await expect(postTrain(o)).rejects.toThrow(
      /^postTrain: the loss became NaN at step 2; stopping\. Its checkpoint of step 1 .* moved aside to .*diverged-diva-step-0000001\.safetensors\. There is no finite checkpoint in .* to resume from: start again with a lower learning rate \(lr \/ --lr\)\.$/,
    );
    expect(await names(o.checkpointDir!)).toEqual([]);
    expect(await exists(o.out)).toBe(false);
  });

  it("refuses a checkpoint folder that cannot be created before step 1, naming it", async () => {
    const file = join(root, "file.txt");
    await writeFile(file, "not a folder");
    const progress: number[] = [];
    const o = runOptions("ckpt-under-file", { checkpointDir: join(file, "checkpoints"), onProgress: (e) => progress.push(e.step) });
    await expect(postTrain(o)).rejects.toThrow(`checkpoint folder ${join(file, "checkpoints")}: cannot create the folder`);
    expect(progress).toEqual([]);
  });

  it("refuses an output folder that is not writable before step 1, naming it", async (ctx) => {
    let dir: string;
    if (process.getuid?.() !== 0) {
      dir = join(root, "read-only");
      await mkdir(dir, { recursive: true });
      await chmod(dir, 0o555);
    } else if (process.platform === "linux" && (await exists("/sys/kernel"))) {
      dir = "/sys"; // chmod does not stop root; sysfs refuses new files to everyone
    } else {
      console.log("read-only output test skipped: running as root, and no folder that refuses root's writes is known here");
      ctx.skip();
      return;
    }
    const progress: number[] = [];
    const out = join(dir, "clip-diva.safetensors");
    try {
      const { checkpointDir: _none, ...o } = runOptions("read-only", { out, onProgress: (e) => progress.push(e.step) });
      await expect(postTrain(o)).rejects.toThrow(new RegExp(`^out ${out}: its folder ${dir} is not writable \\(.*\\((EACCES|EROFS|EPERM)\\)\\)$`));
      expect(progress).toEqual([]);
    } finally {
      if (dir !== "/sys") await chmod(dir, 0o755);
    }
  });

  it("removes the temporary export files a killed run left next to the output, and only those", async () => {
    const o = runOptions("stale", { steps: 1 });
    const dir = join(root, "stale");
    await mkdir(dir, { recursive: true });
    // pid 4194305 is above Linux's largest pid: that process is gone
    const stale = join(dir, ".clip-diva.safetensors.4194305.k3x9.tmp");
    const live = join(dir, `.clip-diva.safetensors.${process.pid}.a1b2.tmp`);
    const other = join(dir, ".other.safetensors.4194305.k3x9.tmp");
    for (const p of [stale, live, other]) await writeFile(p, "partial");
    const logs: string[] = [];
    await postTrain({ ...o, onLog: (m) => logs.push(m) });
    expect(logs).toContain(`removed 1 temporary file(s) of an interrupted export of ${o.out}: ${stale}`);
    expect(await exists(stale)).toBe(false);
    expect(await exists(live)).toBe(true);
    expect(await exists(other)).toBe(true);
  });
});

describe("output helpers", () => {
  it("fsyncs folders, and names a folder it cannot open", async () => {
    const dir = await mkdtemp(join(tmpdir(), "diva-sync-"));
    try {
      await expect(syncDirectory(dir)).resolves.toBeUndefined();
      await expect(syncDirectory(join(dir, "missing"))).rejects.toThrow(`${join(dir, "missing")}: cannot fsync the folder`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("names the file and the reason when a write fails (a full disk, no permission)", async () => {
    const full = Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
    await expect(writeOutput("out", "/data/clip.safetensors", () => Promise.reject(full))).rejects.toThrow(
      "out /data/clip.safetensors: cannot write (no space left on device (ENOSPC))",
    );
    const denied = Object.assign(new Error("EACCES: permission denied, open"), { code: "EACCES" });
    expect(writeError("checkpoint", "/ckpt/diva-step-0000001.safetensors", denied).message).toBe(
      "checkpoint /ckpt/diva-step-0000001.safetensors: cannot write (permission denied (EACCES))",
    );
  });
});
