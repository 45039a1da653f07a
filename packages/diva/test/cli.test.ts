import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readSafetensors, writeSafetensors } from "@diva/tensor";
import { haveBpe, SHARED_BPE, TINY_PRESET_JSON, writeTinySetup } from "./fixtures/tiny-models.js";
import { diva } from "./fixtures/run-diva.js";

const bpe = await haveBpe();
if (!bpe) console.log(`CLI runs on tiny models skipped: the CLIP BPE vocabulary ${SHARED_BPE} is not on this machine`);

let root: string;
let tiny: { clip: string; sd: string; images: string };
let preset: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "diva-cli-"));
  tiny = await writeTinySetup(join(root, "setup"), { images: 4 });
  preset = join(root, "tiny-preset.json");
  await writeFile(preset, JSON.stringify(TINY_PRESET_JSON));
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe("diva CLI", () => {
  it("has --help for every command", async () => {
    const cmds = [[], ["post-train"], ["eval", "mmvp"], ["eval", "zeroshot"], ["parity"], ["demo"]];
    const runs = await Promise.all(cmds.map((c) => diva([...c, "--help"])));
    runs.forEach((r, i) => {
      expect(r.code, r.err).toBe(0);
      expect(r.out).toContain(`Usage: diva${cmds[i]!.length ? ` ${cmds[i]!.join(" ")}` : ""}`);
    });
    expect(runs[1]!.out).toMatch(/--backend <name>.*"cpu", "webgpu"/s);
    expect(runs[2]!.out).toContain("cls-patch-mean");
    expect(runs[3]!.out).toContain("--templates <openai|file>");
    expect(runs[5]!.out).toMatch(/--seeds <list>.*--seed <n\.\.\.>\s+alias of --seeds.*--world-seed <n>/s);
  });

  it("reports bad options, missing files and wrong layouts with the message only and exit code 1", async () => {
    const base = ["post-train", "--clip", "CLIP", "--sd", "SD", "--images", "IMAGES", "--out", "OUT"];
    const pt = (over: Record<string, string>, extra: string[] = []) => {
      const a = [...base];
      for (const [k, v] of Object.entries(over)) a[a.indexOf(k.toUpperCase())] = v;
      return [...a, ...extra];
    };
    // a CLIP checkpoint with one vision key removed: the loader names it
    const broken = join(root, "broken-clip.safetensors");
    const { tensors, metadata } = await readSafetensors(tiny.clip);
    delete tensors["visual.ln_post.weight"];
    await writeSafetensors(broken, tensors, { metadata });
    const good = { clip: tiny.clip, sd: tiny.sd, images: tiny.images, out: join(root, "x", "out.safetensors") };
    const cases: [string[], RegExp][] = [
      [[...pt(good), "--preset", "nope"], /unknown preset "nope"; known presets: openai-vit-l-14, openai-vit-l-14-336, .*dfn-vit-h-14-378/],
      [[...pt({ ...good, clip: join(root, "missing.safetensors") }), "--preset", preset], /CLIP checkpoint .*missing\.safetensors does not exist/],
      [[...pt({ ...good, images: join(root, "no-images") }), "--preset", preset], /images .*no-images does not exist/],
      [[...pt({ ...good, sd: tiny.images }), "--preset", preset], /Stable Diffusion folder .* lacks unet\/config\.json, vae\/config\.json, text_encoder\/config\.json/],
      [[...pt(good), "--preset", preset, "--steps", "abc"], /option '--steps <n>' argument 'abc' is invalid\. expected a positive integer/],
      [[...pt(good), "--preset", preset, "--lr", "-1"], /option '--lr <x>' argument '-1' is invalid\. expected a positive number/],
      [[...pt(good), "--preset", preset, "--micro-batch", "3"], /imagesPerStep 4 is not a multiple of microBatch 3/],
      [[...pt(good), "--preset", preset, "--backend", "cuda"], /argument 'cuda' is invalid\. Allowed choices are cpu, webgpu/],
      [[...pt(good), "--preset", preset, "--vae-input", "imagenet"], /argument 'imagenet' is invalid\. Allowed choices are reference, clean/],
      [[...pt({ ...good, out: join(root, "out.pt") }), "--preset", preset], /out .*out\.pt must end in \.safetensors/],
      [[...pt(good), "--preset", join(root, "nope.json")], /preset file .*nope\.json does not exist/],
      [["post-train", "--preset", preset, "--clip", tiny.clip], /required option '--sd <dir>' not specified/],
      [["eval", "mmvp", "--clip", tiny.clip, "--preset", preset, "--benchmark", join(root, "no-mmvp")], /MMVP benchmark folder .*no-mmvp does not exist/],
      [["eval", "zeroshot", "--clip", tiny.clip, "--preset", preset, "--images", tiny.images, "--templates", join(root, "none.txt")], /templates file .*none\.txt does not exist/],
      [["parity", join(root, "no-fixture.safetensors")], /no-fixture\.safetensors: ERROR/],
      [["demo", "--models", join(root, "no-models")], /demo: cannot read .*no-models.*tiny-clip\.safetensors.*tiny-vae\.safetensors.*tiny-unet\.safetensors.*npm run demo:build-models/],
      [["demo", "--lr", "0"], /option '--lr <x>' argument '0' is invalid\. expected a positive number/],
      [["demo", "--seeds", "1,x"], /option '--seeds <list>' argument '1,x' is invalid\. expected a non-negative integer/],
      [["demo", "--world-seed", "3", "--split", "validation"], /demo: give either --world-seed or --split, not both/],
    ];
    if (bpe) cases.push([[...pt({ ...good, clip: broken }), "--preset", preset, "--bpe", SHARED_BPE], /missing.*visual\.ln_post\.weight/s]);
    const runs = await Promise.all(cases.map(([args]) => diva(args)));
    runs.forEach((r, i) => {
      const text = r.err + r.out;
      expect(r.code, text).toBe(1);
      expect(text, cases[i]![0].join(" ")).toMatch(cases[i]![1]);
      expect(text).not.toMatch(/^\s+at /m);
    });
    const debug = await diva([...pt({ ...good, clip: join(root, "missing.safetensors") }), "--preset", preset], { DIVA_DEBUG: "1" });
    expect(debug.code).toBe(1);
    expect(debug.err).toMatch(/^\s+at /m);
  });

  it.skipIf(!bpe)("post-trains the tiny models and evaluates the result from the command line", async () => {
    const out = join(root, "out", "tiny-clip-diva.safetensors");
    const train = await diva(["post-train", "--preset", preset, "--clip", tiny.clip, "--sd", tiny.sd, "--images", tiny.images, "--out", out, "--micro-batch", "2", "--lr", "0.5", "--checkpoint-dir", join(root, "ck"), "--vae-input", "clean", "--clip-view", "source-bicubic", "--draw-weighting", "mean"]);
    expect(train.code, train.err + train.out).toBe(0);
    expect(train.out).toContain("draw weighting mean, CLIP view source-bicubic, VAE input clean, precision float32 (the reference: bf16-autocast with TF32)");
    expect(train.out).toMatch(/step 1\/2 {2}loss \d\.\d+/);
    expect(train.out).toContain("skipped unreadable image");
    expect(train.out).toMatch(/skipped 2 unreadable image\(s\)/);
    expect(train.out).toMatch(/done: 2 steps in \d+s, loss/);
    expect(train.out).toMatch(/wrote .*tiny-clip-diva\.safetensors \(32 vision tensors post-trained, 18 kept/);
    expect((await stat(out)).size).toBeGreaterThan(0);

    // zero-shot: two classes of two images; MMVP: two hand-made pairs
    const zs = join(root, "zeroshot");
    const mmvp = join(root, "mmvp");
    const colours: Record<string, [number, number, number]> = { red: [220, 20, 20], blue: [20, 20, 220] };
    const rows = ["Question ID,Type,Statement"];
    let id = 1;
    for (const [name, [r, g, b]] of Object.entries(colours)) {
      await mkdir(join(zs, `${name}_thing`), { recursive: true });
      await mkdir(join(mmvp, "MLLM_VLM Images", "Color and Appearance"), { recursive: true });
      for (let i = 0; i < 2; i++) {
        await sharp({ create: { width: 20 + i, height: 18, channels: 3, background: { r, g, b } } }).png().toFile(join(zs, `${name}_thing`, `${i}.png`));
        await sharp({ create: { width: 20, height: 20, channels: 3, background: { r: r - 10 * i, g, b } } }).png().toFile(join(mmvp, "MLLM_VLM Images", "Color and Appearance", `${id}.png`));
        rows.push(`${id},Color and Appearance,"a ${name} square ${i}"`);
        id++;
      }
    }
    await writeFile(join(mmvp, "Questions.csv"), rows.join("\n"));
    await writeFile(join(root, "templates.txt"), "a photo of a {}.\n{}\n");
    const [z, m] = await Promise.all([
      diva(["eval", "zeroshot", "--clip", out, "--preset", preset, "--images", zs, "--templates", join(root, "templates.txt"), "--bpe", SHARED_BPE]),
      diva(["eval", "mmvp", "--clip", out, "--preset", preset, "--benchmark", mmvp, "--variant", "cls-patch-mean", "--json", "--bpe", SHARED_BPE]),
    ]);
    expect(z.code, z.err).toBe(0);
    expect(z.out).toMatch(/zero-shot accuracy \d+\.\d% over 4 images, 2 classes, 2 templates/);
    expect(m.code, m.err).toBe(0);
    const scores = JSON.parse(m.out.slice(m.out.indexOf("{"))) as { perPattern: Record<string, number>; average: number; statementSimilarity: Record<string, number> };
    expect(Object.keys(scores.perPattern)).toEqual(["Color and Appearance"]);
    expect(Math.abs(scores.statementSimilarity["Color and Appearance"]!)).toBeLessThanOrEqual(1 + 1e-6);
    expect(scores.average).toBeGreaterThanOrEqual(0);
  });
});
