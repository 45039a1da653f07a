import { reshape, type Device, type Tensor } from "@diva/tensor";
import { unflattenAs } from "../../checkpoint-names/params.js";
import type { ParamShapes } from "../blocks/specs.js";
import type { SpecsOf } from "../../checkpoint-names/specs.js";
import { isCleanReport, type ParamReport } from "../../checkpoint-names/validate.js";
import { checkShapes, describeReport } from "./check.js";
import { componentDir, readConfigJson, weightFiles, WeightSet } from "./folder.js";

/** Options of the diffusers folder loaders. */
export interface DiffusersLoadOptions {
  /**
   * Throw (before reading any data) when a key is missing, unexpected or mis-shaped (default true). With
   * `strict: false` the matching tensors load and the rest are listed in the report.
   */
  strict?: boolean;
  /** Device of the parameters. */
  device?: Device;
  /** Weights variant, e.g. "fp16" for `diffusion_pytorch_model.fp16.safetensors`. */
  variant?: string;
  /**
   * dtype of the loaded weights (default float32). float16 halves their memory; matmul, conv2d and the norms
   * compute with float16 weights in float32 (mixed precision for a frozen model).
   */
  dtype?: "float32" | "float16";
}

/** A loaded model component: its parameter tree, its config and how the checkpoint matched it. */
export interface LoadedDiffusersComponent<P, C> {
  /** The parameter tree, named like the diffusers state dict. */
  params: P;
  /** The component's config (`config.json`). */
  config: C;
  /** Missing, unexpected and mismatched names. */
  report: ParamReport;
  /** The folder the component was read from. */
  dir: string;
}

/** Maps a stored checkpoint name to the canonical one (for legacy layouts); null keeps the name. */
type KeyRenamer = (name: string) => string | null;

/**
 * Stored tensors renamed and compared with `expected`. A stored [out, in, 1, 1] tensor where [out, in] is
 * expected (1x1 convs saved for linear layers, as the LDM VAE attention did) is accepted and squeezed.
 */
function plan(weights: WeightSet, expected: ParamShapes, rename?: KeyRenamer): { report: ParamReport; source: Map<string, string> } {
  const stored = new Map<string, readonly number[]>();
  const source = new Map<string, string>();
  for (const storedName of weights.where.keys()) {
    const name = rename?.(storedName) ?? storedName;
    let shape = weights.shape(storedName);
    const want = expected.get(name);
    if (want && want.length === 2 && shape.length === 4 && shape[2] === 1 && shape[3] === 1 && shape[0] === want[0] && shape[1] === want[1]) {
      shape = want;
    }
    stored.set(name, shape);
    source.set(name, storedName);
  }
  return { report: checkShapes(stored, expected), source };
}

/**
 * Loads the weights of a diffusers component folder (`config.json` plus `diffusion_pytorch_model.safetensors`,
 * a variant or shards; fp32, fp16 or bf16, loaded as float32 or, with `options.dtype`, float16) into a tree under the canonical names.
 * `expectedOf` gives the names and shapes the config implies: the model's spec table (`unetSpecs`, from which
 * the tree type `P` is inferred) or a name -> shape map; `rename` maps legacy names.
 */
export async function loadDiffusersComponent<C, P extends object>(
  dir: string,
  subfolder: string,
  expectedOf: (config: C) => SpecsOf<P> | ParamShapes,
  options: DiffusersLoadOptions = {},
  rename?: KeyRenamer,
): Promise<LoadedDiffusersComponent<P, C>> {
  const root = await componentDir(dir, subfolder);
  const config = await readConfigJson<C>(root);
  const declared = expectedOf(config);
  const expected: ParamShapes = declared instanceof Map ? declared : new Map(Object.entries(declared).map(([n, s]) => [n, s.shape]));
  const weights = await WeightSet.open(await weightFiles(root, options.variant));
  try {
    const { report, source } = plan(weights, expected, rename);
    if ((options.strict ?? true) && !isCleanReport(report)) {
      throw new Error(`${root}: the checkpoint does not match its config.json: ${describeReport(report)}`);
    }
    const flat = await readExpected(weights, expected, source, new Set(report.mismatched.map((m) => m.name)), options.device, options.dtype);
    return { params: unflattenAs<P>(flat, expected, root, { partial: !(options.strict ?? true) }), config, report, dir: root };
  } finally {
    await weights.close();
  }
}

/** Reads every expected tensor that is stored with the right shape, squeezing 1x1 conv weights to linear ones. */
async function readExpected(
  weights: WeightSet,
  expected: ParamShapes,
  source: Map<string, string>,
  skip: Set<string>,
  device: Device | undefined,
  dtype: "float32" | "float16" = "float32",
): Promise<Record<string, Tensor>> {
  const flat: Record<string, Tensor> = {};
  try {
    for (const [name, shape] of expected) {
      const storedName = source.get(name);
      if (storedName === undefined || skip.has(name)) continue;
      const t = await weights.read(storedName, device, dtype);
      if (t.shape.length !== shape.length) {
        flat[name] = reshape(t, shape);
        t.dispose();
      } else flat[name] = t;
    }
    return flat;
  } catch (e) {
    for (const t of Object.values(flat)) t.dispose();
    throw e;
  }
}

/** Checks an in-memory flat state dict against expected shapes; with `strict` (default) throws on any difference. */
export function checkDiffusersStateDict(flat: Record<string, Tensor>, expected: ParamShapes, strict = true, what = "state dict"): ParamReport {
  const report = checkShapes(new Map(Object.entries(flat).map(([k, t]) => [k, t.shape])), expected);
  if (strict && !isCleanReport(report)) throw new Error(`${what} does not match the config: ${describeReport(report)}`);
  return report;
}
