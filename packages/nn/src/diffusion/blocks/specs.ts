/**
 * A builder of {@link ParamSpecs} for the diffusers models: each block declares its parameters once, by
 * checkpoint name, shape and PyTorch's default initialiser, in the order the reference registers them (its
 * state_dict order). Init, loading checks and parameter counts all read the same specs.
 */
import { kaimingUniformInit, spec, type Init, type ParamSpecs } from "../../checkpoint-names/specs.js";

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

  /** Adds one parameter. */
  param(name: string, shape: readonly number[], init: Init): void {
    const full = this.prefix + name;
    if (Object.hasOwn(this.specs, full)) throw new Error(`parameter ${full} declared twice`);
    this.specs[full] = spec(shape, init);
  }

  /** torch.nn.Linear(inF, outF, bias): weight and bias uniform in +-1/sqrt(inF). */
  linear(name: string, inF: number, outF: number, bias = true): void {
    const b = this.at(name);
    b.param("weight", [outF, inF], kaimingUniformInit(inF));
    if (bias) b.param("bias", [outF], kaimingUniformInit(inF));
  }

  /** torch.nn.Conv2d(inC, outC, k, bias): weight and bias uniform in +-1/sqrt(inC*k*k). */
  conv(name: string, inC: number, outC: number, k: number, bias = true): void {
    const b = this.at(name);
    b.param("weight", [outC, inC, k, k], kaimingUniformInit(inC * k * k));
    if (bias) b.param("bias", [outC], kaimingUniformInit(inC * k * k));
  }

  /** GroupNorm / LayerNorm affine parameters (weight ones, bias zeros). */
  norm(name: string, channels: number): void {
    const b = this.at(name);
    b.param("weight", [channels], { kind: "ones" });
    b.param("bias", [channels], { kind: "zeros" });
  }

  /** Checkpoint name -> shape of every declared parameter. */
  shapes(): ParamShapes {
    return new Map(Object.entries(this.specs).map(([name, s]) => [name, s.shape]));
  }
}
