import { checkJsonKeys, checkNames, openSafetensors, type Device, type SafetensorsFile, type Tensor } from "@diva/tensor";

// Node modules are imported on first use so that importing @diva/nn in a browser does not pull them in.
const fs = (): Promise<typeof import("node:fs/promises")> => import("node:fs/promises");
const join = (...parts: string[]): string => parts.join("/").replace(/\/+/g, "/");

/** True when `path` exists. */
async function exists(path: string): Promise<boolean> {
  try {
    await (await fs()).stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Reads a UTF-8 text file and parses it as JSON, naming the file in errors; object keys that reach a
 * prototype (`__proto__`, `constructor`, `prototype`) are refused.
 */
export async function readJson<T>(path: string): Promise<T> {
  const text = await (await fs()).readFile(path, "utf8");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new Error(`${path}: invalid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  return checkJsonKeys(value, path) as T;
}

/** The first of `paths` that exists, or null. */
export async function firstExisting(paths: readonly string[]): Promise<string | null> {
  for (const p of paths) if (await exists(p)) return p;
  return null;
}

export { join as joinPath };

/**
 * The folder holding `config.json` for component `subfolder` of a diffusers model: `dir` itself when it has a
 * config.json, else `dir/subfolder`.
 */
export async function componentDir(dir: string, subfolder: string): Promise<string> {
  if (await exists(join(dir, "config.json"))) return dir;
  const sub = join(dir, subfolder);
  if (await exists(join(sub, "config.json"))) return sub;
  throw new Error(`${dir}: no config.json here or in ${subfolder}/`);
}

/** Reads and parses `config.json` of a component folder. */
export function readConfigJson<T>(dir: string): Promise<T> {
  return readJson<T>(join(dir, "config.json"));
}

/**
 * The safetensors files of a component's weights: `diffusion_pytorch_model[.variant].safetensors`, or the
 * shards listed by its `.safetensors.index.json`.
 */
export async function weightFiles(dir: string, variant?: string): Promise<string[]> {
  const stem = `diffusion_pytorch_model${variant ? `.${variant}` : ""}`;
  const single = join(dir, `${stem}.safetensors`);
  if (await exists(single)) return [single];
  const index = join(dir, `${stem}.safetensors.index.json`);
  if (await exists(index)) {
    const parsed = await readJson<{ weight_map?: Record<string, string> }>(index);
    if (!parsed.weight_map) throw new Error(`${index}: no weight_map`);
    return [...new Set(Object.values(parsed.weight_map))].map((f) => join(dir, f));
  }
  const bin = join(dir, `${stem}.bin`);
  const hint = (await exists(bin)) ? ` (found ${bin}: convert it to safetensors or load it with the PyTorch checkpoint reader)` : "";
  throw new Error(`${dir}: no ${stem}.safetensors or ${stem}.safetensors.index.json${hint}`);
}

/** Open safetensors files with a name -> (file, stored name) index over all of them. */
export class WeightSet implements AsyncDisposable {
  private constructor(
    private readonly files: SafetensorsFile[],
    /** Stored name -> file holding it. */
    readonly where: Map<string, SafetensorsFile>,
  ) {}

  /** Opens every file (headers only). */
  static async open(paths: readonly string[]): Promise<WeightSet> {
    const files: SafetensorsFile[] = [];
    const where = new Map<string, SafetensorsFile>();
    try {
      for (const p of paths) {
        const f = await openSafetensors(p);
        files.push(f);
        checkNames(f.keys(), p);
        for (const k of f.keys()) {
          if (where.has(k)) throw new Error(`${p}: tensor ${JSON.stringify(k)} is also in ${where.get(k)!.source}`);
          where.set(k, f);
        }
      }
    } catch (e) {
      for (const f of files) await f.close();
      throw e;
    }
    return new WeightSet(files, where);
  }

  /** Stored shape of a tensor. */
  shape(name: string): readonly number[] {
    return this.where.get(name)!.info(name).shape;
  }

  /** Reads a tensor as float32 (F16/BF16/F64 are converted), or as float16 when `dtype` says so. */
  async read(name: string, device?: Device, dtype: "float32" | "float16" = "float32"): Promise<Tensor> {
    return this.where.get(name)!.read(name, { device, dtype });
  }

  /** Closes every file. */
  async close(): Promise<void> {
    for (const f of this.files) await f.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
