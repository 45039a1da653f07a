/**
 * `diva make-random-checkpoints`: the reference checkpoints' files with seeded random weights, for exercising
 * a full-size run where the real weights cannot be downloaded. It writes, under `out`:
 * - `clip/open_clip_model.safetensors` (F16, open_clip names, the config in `__metadata__.config`),
 *   `clip/open_clip_config.json` and `clip/bpe_simple_vocab_16e6.txt.gz`;
 * - `sd-2-1-base/` as the diffusers folder of stabilityai/stable-diffusion-2-1-base: `unet/`, `vae/` (legacy
 *   attention names, as the hub file has them), `text_encoder/` (F16 safetensors and config.json each),
 *   `scheduler/scheduler_config.json` and `tokenizer/` (vocab.json, merges.txt, configs).
 * Weights are made tensor by tensor and streamed to disk (see random-weights.ts), so memory stays at about
 * one tensor whatever the model size; the files go through the library's safetensors writer.
 */
import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { gunzipSync } from "node:zlib";
import { join } from "node:path";
import { writeSafetensorsStream, type StreamedTensor } from "@diva/tensor";
import { clipSpecs, hfClipTokenizerFiles, hfClipTextSpecs, legacyVAEName, unetParamShapes, vaeParamShapes } from "@diva/nn";
import { fullScaleModels, type FullScaleModels } from "./models.js";
import { randomTensorValues } from "./random-weights.js";
import { SCHEDULER_CONFIG_JSON, SPECIAL_TOKENS_MAP_JSON, TOKENIZER_CONFIG_JSON, textEncoderConfigJson, unetConfigJson, vaeConfigJson } from "./sd21-files.js";

/** Options of {@link makeRandomCheckpoints}. */
export interface RandomCheckpointOptions {
  /** A DIVA preset name (its CLIP is written). */
  readonly preset: string;
  /** Output folder (created). */
  readonly out: string;
  /** open_clip's `bpe_simple_vocab_16e6.txt.gz` (copied beside the CLIP; the SD tokenizer files are derived from it). */
  readonly bpe: string;
  /** Seed of the weights (default 0). */
  readonly seed?: number;
  /** Width scale in (0, 1] for tests (default 1: the real sizes; see fullScaleModels). */
  readonly widthScale?: number;
  /** Progress messages (one per file). */
  onLog?(message: string): void;
}

/** Where the files went. */
export interface RandomCheckpoints {
  /** The open_clip checkpoint (`--clip`). */
  readonly clip: string;
  /** The diffusers folder (`--sd`). */
  readonly sd: string;
  /** The configs written. */
  readonly models: FullScaleModels;
  /** Bytes written per file (weights only). */
  readonly bytes: Readonly<Record<string, number>>;
}

/** Tensor names and shapes, in the library's names. */
type NamedShapes = readonly (readonly [string, readonly number[]])[];

async function writeRandom(path: string, shapes: NamedShapes, seed: number, metadata: Record<string, string>, rename: (n: string) => string = (n) => n): Promise<number> {
  const tensors: StreamedTensor[] = shapes.map(([name, shape]) => ({
    name: rename(name),
    dtype: "float32",
    shape,
    // the values are keyed by the library's name, so a renamed file holds the same numbers
    data: () => randomTensorValues(seed, name, shape),
  }));
  const dtypes = Object.fromEntries(tensors.map((t) => [t.name, "F16" as const]));
  await writeSafetensorsStream(path, tensors, { metadata, dtypes });
  let bytes = 0;
  for (const t of tensors) bytes += 2 * t.shape.reduce((a, b) => a * b, 1);
  return bytes;
}

const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;

/** Writes the random CLIP checkpoint and SD-2.1-base folder (see the module comment). */
export async function makeRandomCheckpoints(o: RandomCheckpointOptions): Promise<RandomCheckpoints> {
  const seed = o.seed ?? 0;
  const models = fullScaleModels(o.preset, o.widthScale ?? 1);
  const log = (m: string) => o.onLog?.(m);
  let bpeText: string;
  try {
    bpeText = gunzipSync(await readFile(o.bpe)).toString("utf8");
  } catch (e) {
    throw new Error(`--bpe ${o.bpe}: cannot read the gzipped CLIP BPE vocabulary (${(e as Error).message})`, { cause: e });
  }
  const tok = hfClipTokenizerFiles(bpeText);
  const clipDir = join(o.out, "clip");
  const sd = join(o.out, "sd-2-1-base");
  for (const d of [clipDir, ...["unet", "vae", "text_encoder", "scheduler", "tokenizer"].map((s) => join(sd, s))]) await mkdir(d, { recursive: true });
  const bytes: Record<string, number> = {};
  const note = { diva_random_weights: JSON.stringify({ seed, preset: o.preset, widthScale: o.widthScale ?? 1 }) };

  const clip = join(clipDir, "open_clip_model.safetensors");
  log(`writing ${clip}`);
  bytes[clip] = await writeRandom(clip, specShapes(clipSpecs(models.clip)), seed, { format: "pt", config: JSON.stringify(models.clip), ...note });
  await writeFile(join(clipDir, "open_clip_config.json"), json({ model_cfg: models.clip }));
  await copyFile(o.bpe, join(clipDir, "bpe_simple_vocab_16e6.txt.gz"));

  const unet = join(sd, "unet", "diffusion_pytorch_model.safetensors");
  log(`writing ${unet}`);
  await writeFile(join(sd, "unet", "config.json"), json(unetConfigJson(models.unet)));
  bytes[unet] = await writeRandom(unet, [...unetParamShapes(models.unet)], seed, { format: "pt", ...note });

  const vae = join(sd, "vae", "diffusion_pytorch_model.safetensors");
  log(`writing ${vae}`);
  await writeFile(join(sd, "vae", "config.json"), json(vaeConfigJson(models.vae)));
  bytes[vae] = await writeRandom(vae, [...vaeParamShapes(models.vae)], seed, { format: "pt", ...note }, legacyVAEName);

  const text = join(sd, "text_encoder", "model.safetensors");
  log(`writing ${text}`);
  await writeFile(join(sd, "text_encoder", "config.json"), json(textEncoderConfigJson(models.textEncoder)));
  bytes[text] = await writeRandom(text, specShapes(hfClipTextSpecs(models.textEncoder)), seed, { format: "pt", ...note });

  await writeFile(join(sd, "scheduler", "scheduler_config.json"), json(SCHEDULER_CONFIG_JSON));
  await writeFile(join(sd, "tokenizer", "vocab.json"), tok.vocabJson);
  await writeFile(join(sd, "tokenizer", "merges.txt"), tok.mergesTxt);
  await writeFile(join(sd, "tokenizer", "tokenizer_config.json"), json(TOKENIZER_CONFIG_JSON));
  await writeFile(join(sd, "tokenizer", "special_tokens_map.json"), json(SPECIAL_TOKENS_MAP_JSON));
  await writeFile(join(sd, "model_index.json"), json(MODEL_INDEX_JSON));
  return { clip, sd, models, bytes };
}

/** Names and shapes of parameter specs. */
function specShapes(specs: Record<string, { readonly shape: readonly number[] }>): NamedShapes {
  return Object.entries(specs).map(([name, s]) => [name, s.shape] as const);
}

/** `model_index.json` of the pipeline folder. */
const MODEL_INDEX_JSON = {
  _class_name: "StableDiffusionPipeline",
  _diffusers_version: "0.10.0.dev0",
  feature_extractor: ["transformers", "CLIPImageProcessor"],
  requires_safety_checker: false,
  safety_checker: [null, null],
  scheduler: ["diffusers", "PNDMScheduler"],
  text_encoder: ["transformers", "CLIPTextModel"],
  tokenizer: ["transformers", "CLIPTokenizer"],
  unet: ["diffusers", "UNet2DConditionModel"],
  vae: ["diffusers", "AutoencoderKL"],
};
