import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { join } from "node:path";
import { flattenTree, parseJsonNames, readSafetensors, writeSafetensors } from "@diva/tensor";
import { clipSpecs, clipTextSpecs, prefixSpecs, unetSpecs, unflattenAs, vaeSpecs, type SpecsOf, type AutoencoderKLConfig, type UNet2DConditionConfig, type ClipTextParams, type ClipTextTowerConfig, type OpenClipConfig, type UNetParams, type VAEParams, type ClipParams } from "@diva/nn";
import { packageRoot } from "../../package-root.js";
import { WordTokenizer } from "./tokenizer.js";

/** Folder of the shipped demo weights (assets/demo of the @diva/core package, from the sources or the bundle). */
export const DEMO_ASSETS = join(packageRoot(import.meta.url, "@diva/core"), "assets", "demo");

/** The demo's three models and the tokenizer. */
export interface DemoModels {
  /** The tiny CLIP (open_clip layout; a 4-layer ViT at 32x32). */
  readonly clip: ClipParams;
  /** Its open_clip config. */
  readonly clipConfig: OpenClipConfig;
  /** The word-level tokenizer both text towers read. */
  readonly tokenizer: WordTokenizer;
  /** The tiny VAE. */
  readonly vae: VAEParams;
  /** Its diffusers config. */
  readonly vaeConfig: AutoencoderKLConfig;
  /** The tiny UNet. */
  readonly unet: UNetParams;
  /** Its diffusers config. */
  readonly unetConfig: UNet2DConditionConfig;
  /** The diffusion model's own text encoder (an open_clip-layout text tower). */
  readonly textEncoder: ClipTextParams;
  /** The text encoder's tower config. */
  readonly textEncoderConfig: ClipTextTowerConfig;
}

/** File names of the shipped models. */
export const DEMO_FILES = {
  /** The CLIP with its config and vocabulary in the metadata. */
  clip: "tiny-clip.safetensors",
  /** The VAE with its config. */
  vae: "tiny-vae.safetensors",
  /** The UNet and its text encoder, with both configs. */
  unet: "tiny-unet.safetensors",
} as const;
// tiny-unet.safetensors holds the UNet under "unet." and its text encoder under "text.".

/** sha256 of a file, streamed (hex). */
export async function fileSha256(path: string): Promise<string> {
  const h = createHash("sha256");
  await new Promise<void>((resolve, reject) => createReadStream(path).on("data", (c) => h.update(c)).on("end", resolve).on("error", reject));
  return h.digest("hex");
}

/** Writes one model's parameters as fp16 safetensors (small files), with its metadata. */
export async function writeDemoModel(path: string, params: unknown, metadata: Record<string, string>): Promise<void> {
  const flat = flattenTree(params);
  await writeSafetensors(path, flat, { metadata, dtypes: Object.fromEntries(Object.keys(flat).map((k) => [k, "F16" as const])) });
}

type SafetensorsFile = Awaited<ReturnType<typeof readSafetensors>>;

/** Loads the shipped demo models; a missing file names the command that rebuilds it. */
export async function loadDemoModels(dir = DEMO_ASSETS): Promise<DemoModels> {
  // read all three, then name every file that failed in a fixed order (Promise.all would report whichever read
  // happened to fail first, so the message would change from run to run)
  const files = [DEMO_FILES.clip, DEMO_FILES.vae, DEMO_FILES.unet];
  const settled = await Promise.allSettled(files.map((f) => readSafetensors(join(dir, f))));
  const failed = settled.flatMap((r, i) => (r.status === "rejected" ? [`${join(dir, files[i]!)} (${(r.reason as Error).message})`] : []));
  if (failed.length > 0) throw new Error(`demo: cannot read ${failed.join("; ")}; rebuild the demo models with: npm run demo:build-models`);
  const value = (r: PromiseSettledResult<SafetensorsFile>): SafetensorsFile => {
    if (r.status === "rejected") throw r.reason;
    return r.value;
  };
  const [clip, vae, unet] = [value(settled[0]!), value(settled[1]!), value(settled[2]!)];
  const [clipFile, vaeFile, unetFile] = [join(dir, DEMO_FILES.clip), join(dir, DEMO_FILES.vae), join(dir, DEMO_FILES.unet)];
  const meta = (m: Record<string, string>, file: string, key: string): unknown => parseJsonNames(m[key] ?? "null", `${file}: __metadata__.${key}`);
  const clipConfig = meta(clip.metadata, clipFile, "config") as OpenClipConfig;
  const words = meta(clip.metadata, clipFile, "vocabulary") as string[];
  // one tokenizer serves both text towers: a UNet trained with another vocabulary would read wrong word ids
  if (unet.metadata.vocabulary !== undefined) {
    const unetWords = meta(unet.metadata, unetFile, "vocabulary") as string[];
    if (JSON.stringify(unetWords) !== JSON.stringify(words)) {
      throw new Error(`demo: ${unetFile} was trained with another vocabulary than ${clipFile} (${unetWords.length} vs ${words.length} words); rebuild them together with npm run demo:build-models`);
    }
  }
  const vaeConfig = meta(vae.metadata, vaeFile, "config") as AutoencoderKLConfig;
  const unetConfig = meta(unet.metadata, unetFile, "config") as UNet2DConditionConfig;
  const textEncoderConfig = meta(unet.metadata, unetFile, "text_config") as ClipTextTowerConfig;
  // every file must hold exactly the parameters its config describes (a clear error names the first that differs)
  const diffusionSpecs: SpecsOf<{ unet: UNetParams; text: ClipTextParams }> = { ...prefixSpecs("unet.", unetSpecs(unetConfig)), ...prefixSpecs("text.", clipTextSpecs(textEncoderConfig)) };
  const unetTree = unflattenAs(unet.tensors, diffusionSpecs, unetFile);
  return {
    clip: unflattenAs(clip.tensors, clipSpecs(clipConfig), clipFile),
    clipConfig,
    tokenizer: new WordTokenizer(words, clipConfig.text_cfg.context_length ?? 24),
    vae: unflattenAs(vae.tensors, vaeSpecs(vaeConfig), vaeFile),
    vaeConfig,
    unetConfig,
    unet: unetTree.unet,
    textEncoder: unetTree.text,
    textEncoderConfig,
  };
}
