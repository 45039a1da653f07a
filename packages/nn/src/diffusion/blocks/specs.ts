/**
 * A builder of {@link ParamSpecs} for the diffusers models: each block declares its layers once, by checkpoint
 * name, with the layer library's own `*Specs` (names, shapes, PyTorch's default initialisers), in the order the
 * reference registers them (its state_dict order). Init, loading checks and parameter counts all read the same
 * specs.
 */
import { prefixSpecs, type ParamSpecs } from "../../checkpoint-names/specs.js";
import { conv2dSpecs } from "../../layers/conv.js";
import { linearSpecs } from "../../layers/linear.js";
import { layerNormSpecs } from "../../layers/norm.js";

/** Checkpoint name -> shape. */
export type ParamShapes = Map<string, readonly number[]>;

/** Declares parameters under a name prefix into one shared {@link ParamSpecs} record. */
export class ShapeBuilder {
  /** Specs by checkpoint name, in registration order. */
  readonly specs: ParamSpecs;
  private readonly prefix: string;

  constructor(prefix = "", shared?: ShapeBuilder) {
    this.prefix = prefix;
    this.specs = shared?.specs ?? {};
  }

  /** A builder writing into the same specs under `prefix.name`. */
  at(name: string | number): ShapeBuilder {
    return new ShapeBuilder(`${this.prefix}${name}.`, this);
  }

  /** Adds a layer's specs (from the layer library's `*Specs`) under `prefix.name`. */
  layer(name: string | number, specs: ParamSpecs): void {
    for (const [full, s] of Object.entries(prefixSpecs(`${this.prefix}${name}.`, specs))) {
      if (Object.hasOwn(this.specs, full)) throw new Error(`parameter ${full} declared twice`);
      this.specs[full] = s;
    }
  }

  /** torch.nn.Linear(inF, outF, bias) ({@link linearSpecs}). */
  linear(name: string, inF: number, outF: number, bias = true): void {
    this.layer(name, linearSpecs({ in_features: inF, out_features: outF, bias }));
  }

  /** torch.nn.Conv2d(inC, outC, k, bias) ({@link conv2dSpecs}). */
  conv(name: string, inC: number, outC: number, k: number, bias = true): void {
    this.layer(name, conv2dSpecs({ in_channels: inC, out_channels: outC, kernel_size: k, bias }));
  }

  /** GroupNorm / LayerNorm affine parameters over `channels`: both are a [C] weight (ones) and bias (zeros). */
  norm(name: string, channels: number): void {
    this.layer(name, layerNormSpecs({ normalized_shape: channels }));
  }

  /** Checkpoint name -> shape of every declared parameter. */
  shapes(): ParamShapes {
    return new Map(Object.entries(this.specs).map(([name, s]) => [name, s.shape]));
  }
}
