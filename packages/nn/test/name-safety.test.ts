/**
 * Names read from files (safetensors and PyTorch checkpoint keys, fixture metadata, config JSON) must never
 * reach object prototypes: a fixture tensor named `__proto__.isCausal` once set `Object.prototype.isCausal`
 * and made every later attention causal. Such names are refused with an error naming the file and the key.
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { memory, tensor, writeSafetensors, zeros, type Tensor } from "@diva/tensor";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadClip } from "../src/clip/load.js";
import { loadDiffusersComponent } from "../src/diffusion/io/load.js";
import { unflattenParams } from "../src/checkpoint-names/params.js";
import { validateParams } from "../src/checkpoint-names/validate.js";
import type { ParamSpecs } from "../src/checkpoint-names/specs.js";
import { runParity } from "../src/parity/index.js";
import { buildCheckpoint, dictOf, tensorOf } from "./support/torch-pickle/torch-checkpoint-writer.js";
import { sharedFixturesDir } from "./support/shared-fixtures.js";

const BAD_KEYS = ["__proto__.isCausal", "constructor.x", "a.prototype.b"] as const;
const LEAKS = ["isCausal", "x", "b"];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "diva-names-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  const proto = Object.prototype as Record<string, unknown>;
  const leaked = LEAKS.filter((k) => Object.hasOwn(proto, k));
  for (const k of leaked) delete proto[k]; // clean up so that one failure does not poison later tests
  expect(leaked, "Object.prototype was polluted").toEqual([]);
});

/** A regexp for an error naming `file` and `key`. */
const names = (file: string, key: string) => new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}.*${key.replace(/\./g, "\\.")}`, "s");

async function writeWith(file: string, extra: string, metadata: Record<string, string> = {}): Promise<void> {
  const tensors: Record<string, Tensor> = Object.fromEntries([
    ["conv1.weight", zeros([4, 3, 2, 2])],
    [extra, tensor([1])],
  ]);
  await writeSafetensors(file, tensors, { metadata });
  for (const t of Object.values(tensors)) t.dispose();
}

describe("a parity fixture with a prototype-reaching tensor name is refused", () => {
  for (const key of [...BAD_KEYS, "input.__proto__"]) {
    it(key, async () => {
      const file = join(dir, `fixture-${key}.safetensors`);
      await writeWith(file, key, { config: JSON.stringify({ embed_dim: 4, vision_cfg: { width: 4, layers: 0, patch_size: 2, image_size: 2 } }) });
      const before = memory().tensors;
      await expect(runParity(file)).rejects.toThrow(names(file, key));
      expect(({} as Record<string, unknown>).isCausal).toBeUndefined();
      expect(memory().tensors).toBe(before);
    });
  }

  it("and so is a __proto__ key in its metadata config", async () => {
    const file = join(dir, "fixture-config.safetensors");
    await writeWith(file, "ln_pre.weight", { config: '{"vision_cfg": {"__proto__": {"isCausal": true}}}' });
    await expect(runParity(file)).rejects.toThrow(names(file, "vision_cfg.__proto__"));
  });
});

describe("checkpoints with prototype-reaching names are refused, naming the file and the key", () => {
  for (const key of BAD_KEYS) {
    it(`loadClip, safetensors: ${key}`, async () => {
      const file = join(dir, `clip-${key}.safetensors`);
      await writeWith(file, key);
      const before = memory().tensors;
      await expect(loadClip(file, { strict: false })).rejects.toThrow(names(file, key));
      expect(memory().tensors).toBe(before);
    });

    it(`loadClip, PyTorch zip: ${key}`, async () => {
      const file = join(dir, `clip-${key}.pt`);
      const f32 = { key: "0", dtype: "float32" as const, values: [1, 2, 3, 4] };
      await writeFile(file, buildCheckpoint(dictOf([["state_dict", dictOf([[key, tensorOf(f32, [4])]])]])));
      await expect(loadClip(file, { strict: false })).rejects.toThrow(names(file, key));
    });

    it(`diffusers component folder: ${key}`, async () => {
      const folder = join(dir, `unet-${key}`);
      await mkdir(folder, { recursive: true });
      await writeFile(join(folder, "config.json"), "{}");
      const file = join(folder, "diffusion_pytorch_model.safetensors");
      await writeWith(file, key);
      await expect(loadDiffusersComponent(folder, "unet", () => new Map(), { strict: false })).rejects.toThrow(names(file, key));
    });

    it(`unflattenParams: ${key}`, () => {
      const t = tensor([1]);
      expect(() => unflattenParams({ [key]: t }, "w.safetensors")).toThrow(names("w.safetensors", key));
      t.dispose();
    });
  }

  const SPECS = { w: { shape: [2] } } as unknown as ParamSpecs; // only the shapes are compared
  it("validateParams reports a key named like an Object.prototype member as unexpected", () => {
    const report = validateParams({ constructor: { shape: [1] }, toString: { shape: [1] }, w: { shape: [2] } }, SPECS);
    expect(report.unexpected).toEqual(["constructor", "toString"]);
    expect(validateParams({}, SPECS).missing).toEqual(["w"]);
  });

  it("a diffusers config.json with a __proto__ key is refused", async () => {
    const folder = join(dir, "vae-config");
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, "config.json"), '{"block_out_channels": [1], "__proto__": {"isCausal": true}}');
    await writeWith(join(folder, "diffusion_pytorch_model.safetensors"), "ok.weight");
    await expect(loadDiffusersComponent(folder, "vae", () => new Map(), { strict: false })).rejects.toThrow(names(join(folder, "config.json"), "__proto__"));
  });
});

const shared = sharedFixturesDir();
const vit = shared ? join(shared, "clip_vit_tiny.safetensors") : "";

describe.skipIf(!shared || !existsSync(vit))("after a refused fixture, a later parity check is unaffected", () => {
  it("clip_vit_tiny still passes", async () => {
    const file = join(dir, "poison.safetensors");
    await writeWith(file, "__proto__.isCausal", { config: JSON.stringify({ embed_dim: 4, vision_cfg: {} }) });
    await runParity(file).catch(() => undefined);
    const report = await runParity(vit, { tolerance: 1e-5 });
    expect(report.rows.filter((r) => !r.ok).map((r) => `${r.name}: ${r.maxRel}`)).toEqual([]);
  });
});
