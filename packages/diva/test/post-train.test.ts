import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readSafetensors } from "@diva/tensor";
import { loadClip } from "@diva/nn";
import { postTrain, type PostTrainOptions, type PostTrainResult } from "../src/train/post-train.js";
import { listCheckpoints } from "../src/train/checkpoint.js";
import { fixedLossEvaluator, type TinyPaths } from "./fixtures/eval-loss.js";
import { haveBpe, SHARED_BPE, TINY_PRESET, writeTinySetup } from "./fixtures/tiny-models.js";

const bpe = await haveBpe();
if (!bpe) console.log(`post-train tests skipped: the CLIP BPE vocabulary ${SHARED_BPE} is not on this machine`);
const REPO = join(import.meta.dirname, "..", "..", "..");

let root: string;
let paths: TinyPaths;
/** The uninterrupted reference run (4 steps, checkpoint every step). */
let straight: PostTrainResult;
let straightBytes: Buffer;

const runOptions = (name: string): PostTrainOptions => ({
  preset: TINY_PRESET,
  ...paths,
  out: join(root, name, "clip-diva.safetensors"),
  steps: 4,
  imagesPerStep: 4,
  microBatch: 2,
  lr: 0.5,
  seed: 7,
  checkpointDir: join(root, name, "checkpoints"),
  checkpointEvery: 1,
});

describe.skipIf(!bpe)("postTrain on tiny models", () => {
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "diva-post-train-"));
    paths = await writeTinySetup(join(root, "setup"));
    straight = await postTrain(runOptions("straight"));
    straightBytes = await readFile(straight.out!);
  });
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it("reduces the DIVA loss, skips and reports the corrupted and truncated images, and exports the input's layout", async () => {
    const skips: string[] = [];
    const logs: string[] = [];
    const r = await postTrain({ ...runOptions("loss"), steps: 6, checkpointEvery: 6, onSkip: (n) => skips.push(...n), onLog: (m) => logs.push(m) });
    expect(r.steps).toBe(6);
    expect(r.losses).toHaveLength(6);
    expect(r.losses.every(Number.isFinite)).toBe(true);
    // 8 good images + 2 bad ones, 24 images consumed: every epoch meets both bad files
    expect(r.skipped).toBeGreaterThanOrEqual(4);
    expect(new Set(skips.map((s) => s.split(":")[0]))).toEqual(new Set([join(paths.images, "corrupted.png"), join(paths.images, "truncated.jpg")]));
    expect(skips.every((s) => s.includes("cannot decode image"))).toBe(true);
    expect(logs.some((l) => l.startsWith("checkpoint ") && l.includes("step 6"))).toBe(true);

    const ev = await fixedLossEvaluator(paths, 7);
    try {
      const before = ev.loss(ev.initial);
      const last = (await listCheckpoints(runOptions("loss").checkpointDir!)).at(-1)!;
      const after = ev.loss((await ev.load(last)).state.params);
      expect(after).toBeLessThan(before);
    } finally {
      ev.dispose();
    }

    // the export: same names and order as the input, vision tensors changed, everything else byte-identical
    const input = await readSafetensors(paths.clip);
    const output = await readSafetensors(r.out!);
    expect(Object.keys(output.tensors)).toEqual(Object.keys(input.tensors));
    expect(output.metadata["config"]).toBe(input.metadata["config"]);
    // the run's configuration records the precision it used, next to the reference's, and the preset's reference forms
    const config = { preset: "tiny", steps: 6, precision: "float32", referencePrecision: "bf16-autocast", drawWeighting: "reference", drawWeights: [5, 1], clipView: "reference", vaeInput: "reference" };
    expect(JSON.parse(output.metadata["diva_post_train"]!)).toMatchObject(config);
    expect(r.config).toMatchObject(config);
    expect(logs.some((l) => l.includes("precision float32 (the reference: bf16-autocast with TF32)"))).toBe(true);
    const ckRun = (JSON.parse((await readSafetensors((await listCheckpoints(runOptions("loss").checkpointDir!)).at(-1)!)).metadata["diva"]!) as { run: Record<string, unknown> }).run;
    expect(ckRun).toMatchObject({ precision: "float32", drawWeighting: "reference", drawWeights: "5,1", clipView: "reference", vaeInput: "reference" });
    let changed = 0;
    for (const [name, t] of Object.entries(input.tensors)) {
      const same = Buffer.from(t.dataSync().buffer).equals(Buffer.from(output.tensors[name]!.dataSync().buffer));
      if (name.startsWith("visual.")) changed += same ? 0 : 1;
      else expect(same, name).toBe(true);
    }
    expect(changed).toBeGreaterThan(10);
    expect(r.exported).toEqual({ replaced: Object.keys(input.tensors).filter((n) => n.startsWith("visual.")).length, kept: Object.keys(input.tensors).filter((n) => !n.startsWith("visual.")).length });
    const reloaded = await loadClip(r.out!);
    expect(reloaded.layout).toBe("open_clip");
    reloaded.model.dispose();
  });

  it("resumes to the same loss curve and the same parameters as an uninterrupted run", async () => {
    const controller = new AbortController();
    const first = await postTrain({ ...runOptions("resumed"), signal: controller.signal, onProgress: (e) => e.step === 2 && controller.abort() });
    expect(first.stopped).toBe(true);
    expect(first.steps).toBe(2);
    expect(first.out).toBeUndefined();
    await expect(stat(runOptions("resumed").out)).rejects.toThrow();
    const logs: string[] = [];
    const second = await postTrain({ ...runOptions("resumed"), onLog: (m) => logs.push(m) });
    expect(second.resumedFrom).toBe(2);
    expect(logs).toContain("resumed from step 2");
    expect(second.losses).toEqual(straight.losses);
    expect((await readFile(second.out!)).equals(straightBytes)).toBe(true);
    // a resume with settings that change the loss curve is refused
    await expect(postTrain({ ...runOptions("resumed"), imagesPerStep: 2 })).rejects.toThrow(/was made with imagesPerStep 4, not 2; resume with the same settings/);
  });

  it("survives a kill in the middle of a checkpoint write: complete checkpoints load, the newest wins, the partial file is never used", async () => {
    const o = runOptions("killed");
    const { out: _o, checkpointDir, ...rest } = o;
    const child = spawn(process.execPath, ["--conditions=source", "--import", "tsx", join(import.meta.dirname, "fixtures", "crash-child.ts"), JSON.stringify({ ...rest, preset: undefined, out: o.out, checkpointDir })], {
      cwd: REPO,
      env: { ...process.env, DIVA_TEST_CRASH_AT_CHECKPOINT: "3" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_code, sig) => resolve(sig)));
    expect(signal, output).toBe("SIGKILL");
    expect(output).toContain("step 3");
    expect(output).not.toContain("finished without crashing");

    const names = await readdir(checkpointDir!);
    const partial = names.filter((n) => n.endsWith(".tmp"));
    expect(partial).toHaveLength(1);
    expect(partial[0]).toMatch(/^\.diva-step-0000003\.safetensors\..*\.tmp$/);
    await expect(readSafetensors(join(checkpointDir!, partial[0]!))).rejects.toThrow();
    const complete = await listCheckpoints(checkpointDir!);
    expect(complete.map((p) => basename(p))).toEqual(["diva-step-0000001.safetensors", "diva-step-0000002.safetensors"]);
    const ev = await fixedLossEvaluator(paths, 7);
    try {
      for (const p of complete) expect((await ev.load(p)).meta.step).toBeGreaterThan(0);
    } finally {
      ev.dispose();
    }

    const logs: string[] = [];
    const resumed = await postTrain({ ...o, onLog: (m) => logs.push(m) });
    expect(resumed.resumedFrom).toBe(2);
    expect(logs.some((l) => l.startsWith("removed 1 temporary file"))).toBe(true);
    expect((await readdir(checkpointDir!)).filter((n) => n.endsWith(".tmp"))).toEqual([]);
    expect(resumed.losses).toEqual(straight.losses);
    expect((await readFile(resumed.out!)).equals(straightBytes)).toBe(true);
  });

  // non-finite losses and parameters: post-train-safety.test.ts
});
