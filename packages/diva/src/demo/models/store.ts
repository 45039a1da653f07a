import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { flattenTree, readSafetensors, writeSafetensors } from "@diva/tensor";
import { unflattenParams, type ClipParams, type OpenClipConfig, type UNetParams, type VAEParams } from "@diva/nn";
import { TINY_UNET_CONFIG, TINY_VAE_CONFIG } from "./configs.js";
import { WordTokenizer } from "./tokenizer.js";

/** Folder of the shipped demo weights. */
export const DEMO_ASSETS = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "assets", "demo");

/** The demo's three models and the tokenizer. */
export interface DemoModels {
  readonly clip: ClipParams;
  readonly clipConfig: OpenClipConfig;
  readonly tokenizer: WordTokenizer;
  readonly vae: VAEParams;
  readonly unet: UNetParams;
}

const FILES = { clip: "tiny-clip.safetensors", vae: "tiny-vae.safetensors", unet: "tiny-unet.safetensors" } as const;

/** Writes the models as safetensors (fp16 weights keep the files small), configs in the metadata. */
export async function saveDemoModels(dir: string, m: DemoModels, provenance: Record<string, string>): Promise<void> {
  const half = (t: Record<string, unknown>) => Object.fromEntries(Object.keys(t).map((k) => [k, "F16" as const]));
  const clip = flattenTree(m.clip);
  await writeSafetensors(join(dir, FILES.clip), clip, {
    metadata: { config: JSON.stringify(m.clipConfig), vocabulary: JSON.stringify(m.tokenizer.words), ...provenance },
    dtypes: half(clip),
  });
  const vae = flattenTree(m.vae);
  await writeSafetensors(join(dir, FILES.vae), vae, { metadata: { config: JSON.stringify(TINY_VAE_CONFIG), ...provenance }, dtypes: half(vae) });
  const unet = flattenTree(m.unet);
  await writeSafetensors(join(dir, FILES.unet), unet, { metadata: { config: JSON.stringify(TINY_UNET_CONFIG), ...provenance }, dtypes: half(unet) });
}

/** Loads the shipped demo models; a missing file names the command that rebuilds it. */
export async function loadDemoModels(dir = DEMO_ASSETS): Promise<DemoModels> {
  const read = async (f: string) => {
    try {
      return await readSafetensors(join(dir, f));
    } catch (e) {
      throw new Error(`demo: cannot read ${join(dir, f)} (${(e as Error).message}); rebuild the demo models with: npm run demo:build-models`);
    }
  };
  const [clip, vae, unet] = await Promise.all([read(FILES.clip), read(FILES.vae), read(FILES.unet)]);
  const clipConfig = JSON.parse(clip.metadata["config"]!) as OpenClipConfig;
  const words = JSON.parse(clip.metadata["vocabulary"]!) as string[];
  return {
    clip: unflattenParams(clip.tensors) as unknown as ClipParams,
    clipConfig,
    tokenizer: new WordTokenizer(words, clipConfig.text_cfg.context_length ?? 24),
    vae: unflattenParams(vae.tensors) as unknown as VAEParams,
    unet: unflattenParams(unet.tensors) as unknown as UNetParams,
  };
}
