/**
 * Parameter specifications: the flat checkpoint names of a layer or model with each parameter's shape and
 * initialiser. One spec table serves `init` (materialise random tensors), checkpoint validation (missing,
 * unexpected and mis-shaped keys) and parameter counting without allocating anything.
 */
import { fromHost, normal, splitKey, truncatedNormal, uniform, type Device, type RandomKey, type Tensor } from "@diva/tensor";
import { unflattenAs, type Params } from "./params.js";

/** How one parameter is initialised (the PyTorch `nn.init` schemes the references use). */
export type Init =
  | {
      /** All zeros. */
      readonly kind: "zeros";
    }
  | {
      /** All ones. */
      readonly kind: "ones";
    }
  | {
      /** Every element equal to `value`. */
      readonly kind: "constant";
      /** The value. */
      readonly value: number;
    }
  | {
      /** Normal distribution. */
      readonly kind: "normal";
      /** Standard deviation. */
      readonly std: number;
      /** Mean (default 0). */
      readonly mean?: number;
    }
  | {
      /** Uniform on `[low, high)`. */
      readonly kind: "uniform";
      /** Lower bound. */
      readonly low: number;
      /** Upper bound. */
      readonly high: number;
    }
  /** Normal truncated to `[lower, upper]` in output units (torch `trunc_normal_`; default ±2 std, as timm's `trunc_normal_tf_`). */
  | {
      /** Truncated normal. */
      readonly kind: "truncNormal";
      /** Standard deviation. */
      readonly std: number;
      /** Mean (default 0). */
      readonly mean?: number;
      /** Lower cut (default mean - 2 std). */
      readonly lower?: number;
      /** Upper cut (default mean + 2 std). */
      readonly upper?: number;
    };

/** Shape and initialiser of one parameter. */
export interface ParamSpec {
  /** Shape of the tensor. */
  readonly shape: readonly number[];
  /** Initialiser used by `initFromSpecs`. */
  readonly init: Init;
}

/** Parameter specs keyed by flat checkpoint name (`"transformer.resblocks.0.ln_1.weight"`). */
export type ParamSpecs = Record<string, ParamSpec>;

declare const describes: unique symbol;

/**
 * A spec table declared to describe the parameter tree `T` (a type-level tag only, nothing at runtime): a spec
 * function returning `SpecsOf<LinearParams>` names its tree type once, and `initFromSpecs` and `unflattenAs`
 * infer `T` from the specs they are given. That the spec names reach `T`'s paths is tested per model
 * (`test/param-trees.test.ts`).
 */
export type SpecsOf<T> = ParamSpecs & {
  /** The tree type the specs describe (never set at runtime; only the type checker reads it). */
  readonly [describes]?: T;
};

/** `{ "a.b": spec }` becomes `{ "<prefix>a.b": spec }` (pass the prefix with its trailing dot). */
export function prefixSpecs(prefix: string, specs: ParamSpecs): ParamSpecs {
  const out: ParamSpecs = {};
  for (const [name, spec] of Object.entries(specs)) out[prefix + name] = spec;
  return out;
}

/** Shorthand for a spec. */
export function spec(shape: readonly number[], init: Init): ParamSpec {
  return { shape: [...shape], init };
}

/** torch's default `nn.Linear`/`nn.Conv2d` init bound (kaiming_uniform with a = sqrt(5)): 1/sqrt(fan_in). */
export function kaimingUniformInit(fanIn: number): Init {
  const b = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
  return { kind: "uniform", low: -b, high: b };
}

/** `nn.init.xavier_uniform_` for a [fanOut, fanIn] weight. */
export function xavierUniformInit(fanIn: number, fanOut: number): Init {
  const b = Math.sqrt(6 / (fanIn + fanOut));
  return { kind: "uniform", low: -b, high: b };
}

/** Total number of scalars described by `specs`. */
export function countParams(specs: ParamSpecs): number {
  let n = 0;
  for (const s of Object.values(specs)) n += s.shape.reduce((a, d) => a * d, 1);
  return n;
}

/** Options of {@link initFromSpecs}. */
export interface InitOptions {
  /** Float dtype of the parameters (default float32). */
  dtype?: "float32" | "float64";
  /** Device of the parameters. */
  device?: Device;
}

function materialise(key: RandomKey, s: ParamSpec, options: InitOptions): Tensor {
  const dtype = options.dtype ?? "float32";
  const size = s.shape.reduce((a, d) => a * d, 1);
  const filled = (v: number): Tensor => {
    const data = dtype === "float64" ? new Float64Array(size) : new Float32Array(size);
    data.fill(v);
    return fromHost(data, dtype, s.shape, options.device);
  };
  const i = s.init;
  switch (i.kind) {
    case "zeros":
      return filled(0);
    case "ones":
      return filled(1);
    case "constant":
      return filled(i.value);
    case "normal":
      return normal(key, s.shape, { mean: i.mean ?? 0, std: i.std, dtype, device: options.device });
    case "uniform":
      return i.high > i.low ? uniform(key, s.shape, { min: i.low, max: i.high, dtype, device: options.device }) : filled(i.low);
    case "truncNormal": {
      const mean = i.mean ?? 0;
      return truncatedNormal(key, s.shape, {
        mean,
        std: i.std,
        lower: i.lower ?? mean - 2 * i.std,
        upper: i.upper ?? mean + 2 * i.std,
        dtype,
        device: options.device,
      });
    }
  }
}

/**
 * Materialises every spec as a tensor (one key per parameter, split from `key` in spec order) and returns the
 * flat name -> tensor map.
 */
export function initFlatFromSpecs(key: RandomKey, specs: ParamSpecs, options: InitOptions = {}): Record<string, Tensor> {
  const names = Object.keys(specs);
  const keys = names.length > 0 ? splitKey(key, names.length) : [];
  const out: Record<string, Tensor> = {};
  names.forEach((name, k) => {
    out[name] = materialise(keys[k]!, specs[name]!, options);
  });
  return out;
}

/** Materialises `specs` into a parameter tree typed `T` (numeric name segments become arrays). */
export function initFromSpecs<T extends object = Params>(key: RandomKey, specs: SpecsOf<T>, options: InitOptions = {}): T {
  return unflattenAs<T>(initFlatFromSpecs(key, specs, options), specs, "initFromSpecs");
}
