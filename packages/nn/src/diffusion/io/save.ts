import { writeSafetensors, type FloatStorageDType } from "@diva/tensor";
import { flattenParams, type Params } from "../../checkpoint-names/params.js";
import { joinPath as join } from "./folder.js";

/** Options of {@link saveDiffusersComponent}. */
export interface DiffusersSaveOptions {
  /** Storage dtype of every tensor (default F32); with F16/BF16 the file gets the `variant` suffix unless given. */
  dtype?: FloatStorageDType;
  /** Weights variant suffix ("fp16" writes `diffusion_pytorch_model.fp16.safetensors`). */
  variant?: string;
}

/**
 * Writes a diffusers component folder: `config.json` (with `_class_name`) and
 * `diffusion_pytorch_model[.variant].safetensors` holding the parameters under their state_dict names.
 */
export async function saveDiffusersComponent(dir: string, className: string, config: object, params: Params, options: DiffusersSaveOptions = {}): Promise<void> {
  const fs = await import("node:fs/promises");
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(join(dir, "config.json"), `${JSON.stringify({ _class_name: className, ...config }, null, 2)}\n`);
  const flat = flattenParams(params);
  const dtypes = options.dtype ? Object.fromEntries(Object.keys(flat).map((k) => [k, options.dtype!])) : undefined;
  const stem = `diffusion_pytorch_model${options.variant ? `.${options.variant}` : ""}`;
  await writeSafetensors(join(dir, `${stem}.safetensors`), flat, { dtypes, metadata: { format: "pt" } });
}
