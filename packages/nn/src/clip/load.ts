/**
 * Loading a CLIP checkpoint: open_clip / OpenAI names or a Hugging Face CLIPModel (detected from the key
 * names and converted with the name map), validated against the specs of the config, with missing,
 * unexpected and mis-shaped keys reported by name.
 */
import { checkJsonKeys, checkNames, nameRecord, randomKey, readSafetensors, type Device, type Tensor } from "@diva/tensor";
import { unflattenAs } from "../checkpoint-names/params.js";
import { readTorchCheckpoint } from "../torch-pickle/index.js";
import { initFlatFromSpecs } from "../checkpoint-names/specs.js";
import { formatParamReport, isCleanReport, validateParams, type ParamReport } from "../checkpoint-names/validate.js";
import type { OpenClipConfig } from "./config.js";
import { inferOpenClipConfig } from "./infer-config.js";
import { requireClipCheckpoint } from "./require-checkpoint.js";
import { ClipModel, clipSpecs } from "./model.js";
import { hfClipConfigToOpenClip, hfClipToOpenClip, isHfClipLayout, type HfClipConfig } from "../checkpoint-names/hf-clip.js";

/** Which naming a checkpoint used. */
export type ClipCheckpointLayout = "open_clip" | "hf";

/** Options of {@link loadClip}. */
export interface LoadClipOptions {
  /**
   * Refuse a checkpoint with missing, unexpected or mis-shaped keys (default true). With false they are
   * listed in `report`; missing and mis-shaped parameters keep their fresh init, unexpected ones are dropped.
   */
  strict?: boolean;
  /**
   * The model config: open_clip's (embed_dim, vision_cfg, text_cfg, ...) or a Hugging Face CLIPConfig
   * (text_config, vision_config, projection_dim). Default: `__metadata__.config` of the file, else
   * `open_clip_config.json` / `config.json` beside it, else read off the tensor shapes (OpenAI ViT rules).
   */
  config?: OpenClipConfig | HfClipConfig;
  /** Device of the parameters. */
  device?: Device;
}

/** A loaded CLIP with what the loader found. */
export interface LoadedClip {
  /** The model (open_clip names). */
  model: ClipModel;
  /** The config used. */
  config: OpenClipConfig;
  /** Naming of the source checkpoint. */
  layout: ClipCheckpointLayout;
  /** Missing, unexpected and mis-shaped keys (open_clip names; HF keys with no counterpart under their HF names). */
  report: ParamReport;
  /** Where the config came from. */
  configSource: "options" | "metadata" | "file" | "inferred";
}

/** A PyTorch zip checkpoint: a .pt/.pth/.bin/.ckpt path, or bytes starting with the zip magic "PK". */
function isTorchZip(source: string | Uint8Array | Record<string, Tensor>): boolean {
  if (typeof source === "string") return /\.(pt|pth|bin|ckpt)$/i.test(source);
  return source instanceof Uint8Array && source[0] === 0x50 && source[1] === 0x4b;
}

/** Keys some checkpoints carry that are not parameters (OpenAI JIT attributes, HF buffers). */
const IGNORED = /^(input_resolution|context_length|vocab_size)$|(^|\.)position_ids$|(^|\.)attn_mask$/;

function isHfConfig(c: unknown): c is HfClipConfig {
  return typeof c === "object" && c !== null && ("vision_config" in c || "text_config" in c);
}

function isOpenClipConfig(c: unknown): c is OpenClipConfig {
  return typeof c === "object" && c !== null && "embed_dim" in c && ("vision_cfg" in c || "text_cfg" in c);
}

/** The parsed JSON of `text` (undefined when absent or invalid); prototype-reaching keys are an error naming `where`. */
function parseJson(text: string | undefined, where: string): unknown {
  if (!text) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return checkJsonKeys(value, where);
}

async function configBeside(path: string): Promise<unknown> {
  const { readFile } = await import("node:fs/promises");
  const { dirname, join } = await import("node:path");
  for (const name of ["open_clip_config.json", "config.json"]) {
    const file = join(dirname(path), name);
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(await readFile(file, "utf-8")) as Record<string, unknown>;
    } catch {
      continue; // not there or not JSON: try the next
    }
    checkJsonKeys(json, file);
    return (json.model_cfg as unknown) ?? json;
  }
  return undefined;
}

/**
 * Loads a CLIP from a safetensors file (path or bytes), a PyTorch zip checkpoint (`.pt`/`.pth`/`.bin`, read
 * with the restricted unpickler; DFN and open_clip releases ship that way; OpenAI's TorchScript archives are
 * not state dicts), or a flat name -> tensor map, in open_clip, OpenAI or Hugging Face names (a leading
 * `state_dict.` / `module.` is stripped). Returns the model in open_clip layout.
 *
 * @example
 * ```ts
 * const { model, layout } = await loadClip("open_clip_model.safetensors"); // layout: "open_clip" or "hf"
 * const { ids, shape } = (await ClipTokenizer.fromFile("bpe_simple_vocab_16e6.txt.gz")).tokenize(["a dog"]);
 * const text = model.encodeText(fromHost(ids, "int32", shape), { normalize: true });
 * ```
 */
export async function loadClip(source: string | Uint8Array | Record<string, Tensor>, options: LoadClipOptions = {}): Promise<LoadedClip> {
  let flat: Record<string, Tensor>;
  let metadata: Record<string, string> = {};
  const label = typeof source === "string" ? source : source instanceof Uint8Array ? "checkpoint bytes" : "loadClip state dict";
  const device = options.device ? { device: options.device } : {};
  if (typeof source === "string") await requireClipCheckpoint(source);
  if (isTorchZip(source)) {
    const read = await readTorchCheckpoint(source as string | Uint8Array, device);
    flat = read.tensors;
  } else if (typeof source === "string" || source instanceof Uint8Array) {
    const read = await readSafetensors(source, { dtype: "float32", ...device });
    flat = read.tensors;
    metadata = read.metadata;
  } else flat = source;
  const owned = typeof source === "string" || source instanceof Uint8Array;
  let configSource: LoadedClip["configSource"] = "options";
  let raw: unknown = options.config;
  try {
    // Names become keys of records and paths of the parameter tree: refuse prototype-reaching ones up front.
    checkNames(Object.keys(flat), label);
    if (raw === undefined) {
      raw = parseJson(metadata.config, `${label}: __metadata__.config`);
      configSource = "metadata";
      if (!isHfConfig(raw) && !isOpenClipConfig(raw)) {
        raw = typeof source === "string" ? await configBeside(source) : undefined;
        configSource = "file";
      }
    }
  } catch (e) {
    if (owned) for (const t of Object.values(flat)) t.dispose();
    throw e;
  }
  flat = nameRecord(Object.entries(flat));
  for (const name of Object.keys(flat)) {
    const bare = name.replace(/^(state_dict\.)?(module\.)?/, "");
    if (bare !== name) {
      flat[bare] = flat[name]!;
      delete flat[name];
    }
  }
  const layout: ClipCheckpointLayout = isHfClipLayout(Object.keys(flat)) ? "hf" : "open_clip";

  const dropped = nameRecord<Tensor>();
  let tensors = flat;
  if (layout === "hf") {
    const mapped = hfClipToOpenClip(flat);
    tensors = mapped.tensors;
    Object.assign(dropped, mapped.unmapped);
  }
  for (const name of Object.keys(tensors)) {
    if (IGNORED.test(name)) {
      dropped[name] = tensors[name]!;
      delete tensors[name];
    }
  }

  let config: OpenClipConfig;
  if (isHfConfig(raw)) config = hfClipConfigToOpenClip(raw);
  else if (isOpenClipConfig(raw)) config = raw;
  else {
    config = inferOpenClipConfig(tensors);
    configSource = "inferred";
  }

  const specs = clipSpecs(config);
  const base = validateParams(tensors, specs);
  const unmappedNames = Object.keys(dropped).filter((n) => !IGNORED.test(n));
  const report: ParamReport = { ...base, unexpected: [...base.unexpected, ...unmappedNames] };
  // Free what the model does not keep: everything read from a file, and conversion results made here
  // (tensors the caller passed in stay the caller's).
  const callers = new Set(Object.values(flat));
  const release = (keepers: Set<Tensor>) => {
    for (const t of new Set([...Object.values(flat), ...Object.values(tensors), ...Object.values(dropped)])) {
      if (!keepers.has(t) && (owned || !callers.has(t))) t.dispose();
    }
  };
  if ((options.strict ?? true) && !isCleanReport(report)) {
    release(new Set());
    throw new Error(`loadClip: the checkpoint does not match the config (pass strict: false to load anyway)\n${formatParamReport(report)}`);
  }
  const fill = [...base.missing, ...base.mismatched.map((m) => m.name)];
  const fresh = fill.length
    ? initFlatFromSpecs(randomKey(0), Object.fromEntries(fill.map((n) => [n, specs[n]!])), options.device ? { device: options.device } : {})
    : {};
  const params = nameRecord<Tensor>();
  for (const name of Object.keys(specs)) params[name] = fresh[name] ?? tensors[name]!;
  release(new Set(Object.values(params)));
  const model = new ClipModel(unflattenAs(params, specs, label), config);
  return { model, config, layout, report, configSource };
}
