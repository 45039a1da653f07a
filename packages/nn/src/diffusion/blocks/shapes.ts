/**
 * Parameter shapes by checkpoint name, in the order the reference registers them (its state_dict order).
 * Models describe themselves this way once; init, loading checks and parameter counts all read it.
 */

/** Checkpoint name -> shape. */
export type ParamShapes = Map<string, readonly number[]>;

/** How a parameter is initialised (PyTorch's defaults for the layer that owns it). */
export type InitKind = "fan_in" | "ones" | "zeros";

/** Builds a {@link ParamShapes} under a name prefix. */
export class ShapeBuilder {
  /** Names and shapes, in registration order. */
  readonly shapes: ParamShapes;
  /** Initialiser of each parameter, with the fan-in for `fan_in`. */
  readonly init: Map<string, { kind: InitKind; fanIn: number }>;
  private readonly prefix: string;

  constructor(prefix = "", shared?: ShapeBuilder) {
    this.prefix = prefix;
    this.shapes = shared?.shapes ?? new Map();
    this.init = shared?.init ?? new Map();
  }

  /** A builder writing into the same map under `prefix.name`. */
  at(name: string | number): ShapeBuilder {
    return new ShapeBuilder(`${this.prefix}${name}.`, this);
  }

  /** Adds one parameter. */
  param(name: string, shape: readonly number[], kind: InitKind, fanIn = 0): void {
    const full = this.prefix + name;
    if (this.shapes.has(full)) throw new Error(`parameter ${full} declared twice`);
    this.shapes.set(full, shape);
    this.init.set(full, { kind, fanIn });
  }

  /** torch.nn.Linear(inF, outF, bias). */
  linear(name: string, inF: number, outF: number, bias = true): void {
    const b = this.at(name);
    b.param("weight", [outF, inF], "fan_in", inF);
    if (bias) b.param("bias", [outF], "fan_in", inF);
  }

  /** torch.nn.Conv2d(inC, outC, k, bias). */
  conv(name: string, inC: number, outC: number, k: number, bias = true): void {
    const b = this.at(name);
    b.param("weight", [outC, inC, k, k], "fan_in", inC * k * k);
    if (bias) b.param("bias", [outC], "fan_in", inC * k * k);
  }

  /** GroupNorm / LayerNorm affine parameters (weight ones, bias zeros). */
  norm(name: string, channels: number): void {
    const b = this.at(name);
    b.param("weight", [channels], "ones");
    b.param("bias", [channels], "zeros");
  }
}

/** The number of scalars in a set of shapes. */
export function countParams(shapes: ParamShapes): number {
  let n = 0;
  for (const s of shapes.values()) n += s.reduce((a, b) => a * b, 1);
  return n;
}
