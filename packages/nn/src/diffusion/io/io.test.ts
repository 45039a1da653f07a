import { mkdtemp, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomKey, reshape, writeSafetensors, type Tensor } from "@diva/tensor";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { flattenParams, type Params } from "../../checkpoint-names/params.js";
import { initUNet } from "../unet/init.js";
import { initVAE } from "../vae/init.js";
import { loadSchedulerConfig, loadUNet, loadVAE, saveUNet, saveVAE } from "./models.js";
import { TINY_UNET, TINY_VAE } from "../../../test/support/tiny-diffusion-configs.js";

const UNET = TINY_UNET;
const VAE = TINY_VAE;

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "diva-diffusers-"));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function same(a: Params, b: Params): Promise<void> {
  const fa = flattenParams(a);
  const fb = flattenParams(b);
  expect(Object.keys(fa).sort()).toEqual(Object.keys(fb).sort());
  for (const k of Object.keys(fa)) expect(Array.from(await fa[k]!.data()), k).toEqual(Array.from(await fb[k]!.data()));
}

describe("diffusers folders", () => {
  it("saves and loads a UNet from a pipeline folder, fp32 and an fp16 variant", async () => {
    const params = initUNet(randomKey(0), UNET);
    await saveUNet(join(dir, "pipe", "unet"), params, UNET);
    await saveUNet(join(dir, "pipe", "unet"), params, UNET, { dtype: "F16", variant: "fp16" });
    const loaded = await loadUNet(join(dir, "pipe"));
    expect(loaded.config.block_out_channels).toEqual([8, 16]);
    await same(loaded.params, params);
    const half = await loadUNet(join(dir, "pipe", "unet"), { variant: "fp16" });
    const w = await flattenParams(half.params)["conv_in.weight"]!.data();
    const ref = await params.conv_in.weight.data();
    for (let i = 0; i < w.length; i++) expect(Math.abs(w[i]! - ref[i]!)).toBeLessThan(1e-3);
  });

  it("names missing, unexpected and mis-shaped keys; strict: false lists them", async () => {
    const flat = flattenParams(initUNet(randomKey(1), UNET));
    const broken: Record<string, Tensor> = { ...flat, "extra.weight": flat["conv_in.bias"]! };
    delete broken["conv_out.bias"];
    broken["conv_in.weight"] = reshape(flat["conv_in.weight"]!, [8, 4, 9]);
    const d = join(dir, "broken");
    await mkdir(d, { recursive: true });
    await writeFile(join(d, "config.json"), JSON.stringify(UNET));
    await writeSafetensors(join(d, "diffusion_pytorch_model.safetensors"), broken);
    await expect(loadUNet(d)).rejects.toThrow(/missing keys: conv_out\.bias; unexpected keys: extra\.weight; mis-shaped keys: conv_in\.weight \(expected \[8,4,3,3\], found \[8,4,9\]\)/);
    const lax = await loadUNet(d, { strict: false });
    expect(lax.report.missing).toEqual(["conv_out.bias"]);
    expect(lax.report.unexpected).toEqual(["extra.weight"]);
    expect(lax.report.mismatched.map((m) => m.name)).toEqual(["conv_in.weight"]);
    expect(lax.params.conv_out.weight.shape).toEqual([4, 8, 3, 3]);
  });

  it("loads a VAE saved with legacy attention names and 1x1-conv attention weights", async () => {
    const params = initVAE(randomKey(2), VAE);
    const flat = flattenParams(params);
    const legacy: Record<string, Tensor> = {};
    const names: Record<string, string> = { to_q: "query", to_k: "key", to_v: "value", "to_out.0": "proj_attn" };
    for (const [k, t] of Object.entries(flat)) {
      const m = /^(.*\.attentions\.0\.)(to_q|to_k|to_v|to_out\.0)\.(weight|bias)$/.exec(k);
      if (!m) legacy[k] = t;
      else legacy[`${m[1]}${names[m[2]!]}.${m[3]}`] = m[3] === "weight" ? reshape(t, [...t.shape, 1, 1]) : t;
    }
    const d = join(dir, "legacy", "vae");
    await saveVAE(d, params, VAE);
    await writeSafetensors(join(d, "diffusion_pytorch_model.safetensors"), legacy);
    const loaded = await loadVAE(join(dir, "legacy"));
    await same(loaded.params, params);
  });

  it("reads scheduler_config.json from a pipeline folder", async () => {
    await mkdir(join(dir, "pipe", "scheduler"), { recursive: true });
    await writeFile(join(dir, "pipe", "scheduler", "scheduler_config.json"), JSON.stringify({ _class_name: "PNDMScheduler", beta_schedule: "scaled_linear" }));
    expect((await loadSchedulerConfig(join(dir, "pipe"))).beta_schedule).toBe("scaled_linear");
  });
});
