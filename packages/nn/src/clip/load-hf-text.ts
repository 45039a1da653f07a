/**
 * Loading a Hugging Face CLIPTextModel (a diffusers `text_encoder/` folder: config.json + model.safetensors,
 * fp32 / fp16 / bf16), validated against the specs of its config.
 */
import { checkJsonKeys, checkNames, nameRecord, readSafetensors, type Device, type Tensor } from "@diva/tensor";
import { unflattenAs } from "../checkpoint-names/params.js";
import { formatParamReport, isCleanReport, validateParams, type ParamReport } from "../checkpoint-names/validate.js";
import { hfClipTextSpecs, type HfClipTextConfig, type HfClipTextParams } from "./hf-text.js";

/** Options of {@link loadHfClipText}. */
export interface LoadHfClipTextOptions {
  /** The CLIPTextConfig (default: config.json in the folder / beside the file). */
  config?: HfClipTextConfig;
  /** Refuse missing, unexpected or mis-shaped keys (default true); with false they are only reported (and missing keys are an error when used). */
  strict?: boolean;
  /** Device of the parameters. */
  device?: Device;
  /** dtype of the loaded weights (default float32; float16 halves their memory, for a frozen encoder). */
  dtype?: "float32" | "float16";
}

/** A loaded HF text model. */
export interface LoadedHfClipText {
  /** Parameters (HF names). */
  params: HfClipTextParams;
  /** The config. */
  config: HfClipTextConfig;
  /** What did not match. */
  report: ParamReport;
}

async function locate(path: string): Promise<{ file: string; dir: string }> {
  const { stat, readdir } = await import("node:fs/promises");
  const { dirname, join } = await import("node:path");
  if (!(await stat(path)).isDirectory()) return { file: path, dir: dirname(path) };
  const names = await readdir(path);
  for (const n of ["model.safetensors", "model.fp16.safetensors", "model.bf16.safetensors"]) if (names.includes(n)) return { file: join(path, n), dir: path };
  const any = names.find((n) => n.endsWith(".safetensors"));
  if (!any) throw new Error(`loadHfClipText: no .safetensors file in ${path}`);
  return { file: join(path, any), dir: path };
}

/** Loads a CLIPTextModel / CLIPTextModelWithProjection from a folder or a safetensors file. */
export async function loadHfClipText(path: string, options: LoadHfClipTextOptions = {}): Promise<LoadedHfClipText> {
  const { file, dir } = await locate(path);
  let config = options.config;
  if (!config) {
    const { readFile } = await import("node:fs/promises");
    const { join } = await import("node:path");
    try {
      config = JSON.parse(await readFile(join(dir, "config.json"), "utf-8")) as HfClipTextConfig;
    } catch (e) {
      throw new Error(`loadHfClipText: no readable config.json in ${dir} (pass options.config): ${(e as Error).message}`);
    }
    checkJsonKeys(config, join(dir, "config.json"));
  }
  const { tensors } = await readSafetensors(file, { dtype: options.dtype ?? "float32", ...(options.device ? { device: options.device } : {}) });
  try {
    checkNames(Object.keys(tensors), file);
  } catch (e) {
    for (const t of Object.values(tensors)) t.dispose();
    throw e;
  }
  for (const n of Object.keys(tensors)) {
    if (/(^|\.)position_ids$/.test(n)) {
      tensors[n]!.dispose();
      delete tensors[n];
    }
  }
  const specs = hfClipTextSpecs(config, "text_projection.weight" in tensors);
  const report = validateParams(tensors, specs);
  if ((options.strict ?? true) && !isCleanReport(report)) {
    for (const t of Object.values(tensors)) t.dispose();
    throw new Error(`loadHfClipText: ${file} does not match its config\n${formatParamReport(report, file)}`);
  }
  const keep = nameRecord<Tensor>();
  for (const [n, t] of Object.entries(tensors)) {
    if (Object.hasOwn(specs, n) && !report.mismatched.some((m) => m.name === n)) keep[n] = t;
    else t.dispose();
  }
  return { params: unflattenAs(keep, specs, file, { partial: !(options.strict ?? true) }), config, report };
}
