import { copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readSafetensors, writeSafetensors } from "@diva/tensor";
import { DEMO_ASSETS, DEMO_FILES, loadDemoModels } from "./store.js";

describe("loading the demo models", () => {
  it("refuses a UNet whose vocabulary differs from the CLIP's (one tokenizer serves both text towers)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "demo-store-"));
    try {
      for (const f of Object.values(DEMO_FILES)) await copyFile(join(DEMO_ASSETS, f), join(dir, f));
      await expect(loadDemoModels(dir)).resolves.toBeDefined();
      const unetPath = join(dir, DEMO_FILES.unet);
      const unet = await readSafetensors(unetPath);
      const words = JSON.parse(unet.metadata.vocabulary!) as string[];
      const swapped = [words[1]!, words[0]!, ...words.slice(2)];
      await writeSafetensors(unetPath, unet.tensors, { metadata: { ...unet.metadata, vocabulary: JSON.stringify(swapped) } });
      await expect(loadDemoModels(dir)).rejects.toThrow(/tiny-unet\.safetensors was trained with another vocabulary than .*tiny-clip\.safetensors/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it("refuses a file whose parameters differ from what its config describes, naming the file and the parameter", async () => {
    const dir = await mkdtemp(join(tmpdir(), "demo-store-"));
    try {
      for (const f of Object.values(DEMO_FILES)) await copyFile(join(DEMO_ASSETS, f), join(dir, f));
      const vaePath = join(dir, DEMO_FILES.vae);
      const vae = await readSafetensors(vaePath);
      const { ["decoder.conv_out.bias"]: dropped, ...rest } = vae.tensors;
      expect(dropped).toBeDefined();
      await writeSafetensors(vaePath, rest, { metadata: vae.metadata });
      await expect(loadDemoModels(dir)).rejects.toThrow(/tiny-vae\.safetensors: missing parameter "decoder\.conv_out\.bias"/);
      const clipPath = join(dir, DEMO_FILES.clip);
      const clip = await readSafetensors(clipPath);
      await writeSafetensors(clipPath, { ...clip.tensors, "visual.extra": clip.tensors["logit_scale"]! }, { metadata: clip.metadata });
      await writeSafetensors(vaePath, vae.tensors, { metadata: vae.metadata });
      await expect(loadDemoModels(dir)).rejects.toThrow(/tiny-clip\.safetensors: unexpected parameter "visual\.extra"/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
