/**
 * Shared machinery of the parity runners: a model is a forward function from (params, inputs) to a
 * resolver that names results; the kit evaluates the wanted `output.*` / `intermediate.*` names, and for
 * `grad.*` names differentiates the fixture's loss (parsed from `config.loss`: "loss = sum(output.image_embeds ** 2)",
 * or, to check any vector-Jacobian product, "loss = sum(output.X * input.Y)" with a cotangent input Y broadcast
 * over the batch) with valueAndGrad w.r.t. the parameters and the float inputs.
 */
import { cast, div, flattenTree, isFloat, mean, mul, nameRecord, norm, square, sum, tidy, valueAndGrad, type Tensor } from "@diva/tensor";
import type { Fixture } from "./fixture.js";
import type { ParityRunner } from "./runner.js";

/** Maps a result key (name without `output.`/`intermediate.`) to a tensor, or undefined if unknown. */
export type Resolver = (key: string) => Tensor | undefined;

/** A model built from a fixture. */
export interface ParityModel<P> {
  /** Parameter tree (differentiated for grad.* names). */
  params: P;
  /** Runs the model; the resolver names its results. */
  forward(params: P, inputs: Record<string, Tensor>): Resolver;
}

/**
 * A loss the fixtures describe: reduction of the square of one output, or of one output times a cotangent input
 * (`sum(output.X * input.Y)`: its gradients are the vector-Jacobian product of X with Y).
 */
interface LossSpec {
  /** "sum" or "mean". */
  reduction: "sum" | "mean";
  /** Result key squared (or multiplied by the cotangent). */
  key: string;
  /** Input name (without `input.`) of the cotangent; absent for the squared form. */
  cotangent?: string;
}

const SQUARE_LOSS = /\b(sum|mean)\s*\(\s*(?:\(\s*)?(?:output\.)?([\w.]+)\s*\)?\s*(?:\*\*\s*2|\.pow\(2\)|\^\s*2)\s*\)/;
const COTANGENT_LOSS = /\b(sum|mean)\s*\(\s*(?:output\.([\w.]+)\s*\*\s*input\.([\w.]+)|input\.([\w.]+)\s*\*\s*output\.([\w.]+))\s*\)/;

/**
 * Parses `config.loss`: "loss = sum(output.image_embeds ** 2) ..." (or `mean`), or a cotangent form
 * "loss = sum(output.X * input.Y)" (either order); undefined if absent or of neither form.
 * @internal
 */
export function parseLoss(text: unknown): LossSpec | undefined {
  if (typeof text !== "string") return undefined;
  const m = SQUARE_LOSS.exec(text);
  if (m) return { reduction: m[1] as "sum" | "mean", key: m[2]! };
  const c = COTANGENT_LOSS.exec(text);
  if (c) return { reduction: c[1] as "sum" | "mean", key: (c[2] ?? c[5])!, cotangent: (c[3] ?? c[4])! };
  return undefined;
}

/** The cotangent's shape must broadcast to the output's without growing it (equal or 1 per trailing dim). */
function checkCotangent(y: Tensor, v: Tensor, spec: LossSpec): void {
  const ok = y.rank <= v.rank && y.shape.every((d, i) => d === 1 || d === v.shape[v.rank - y.rank + i]);
  if (!ok) throw new Error(`parity: the loss's cotangent input.${spec.cotangent} [${y.shape.join(",")}] does not broadcast to output.${spec.key} [${v.shape.join(",")}]`);
}

function lossOf(resolve: Resolver, spec: LossSpec, inputs: Record<string, Tensor>): Tensor {
  const v = resolve(spec.key);
  if (!v) throw new Error(`parity: the loss uses "${spec.key}", which this model does not produce`);
  if (spec.cotangent === undefined) return spec.reduction === "sum" ? sum(square(v)) : mean(square(v));
  const y = Object.hasOwn(inputs, spec.cotangent) ? inputs[spec.cotangent] : undefined;
  if (!y) throw new Error(`parity: the loss uses input.${spec.cotangent}, which the fixture does not hold`);
  checkCotangent(y, v, spec);
  const prod = mul(v, y.dtype === v.dtype ? y : cast(y, v.dtype));
  return spec.reduction === "sum" ? sum(prod) : mean(prod);
}

/**
 * Strips `output.` / `intermediate.`.
 * @internal
 */
function resultKey(full: string): string {
  return full.replace(/^(output|intermediate)\./, "");
}

/**
 * L2-normalises the last dim.
 * @internal
 */
export function l2n(x: Tensor): Tensor {
  return tidy(() => div(x, norm(x, 2, -1, { keepdim: true })));
}

/**
 * `block.i` / `blocks.i` / `resblocks.i` / `layer.i` / `layers.i` -> i; undefined otherwise.
 * @internal
 */
export function blockIndex(key: string): number | undefined {
  const m = /^(?:block|blocks|resblock|resblocks|layer|layers)[._](\d+)$/.exec(key);
  return m ? Number(m[1]) : undefined;
}

/**
 * `hidden_states.i` -> i (HF convention: 0 is the embeddings, i is block i-1).
 * @internal
 */
export function hiddenStateIndex(key: string): number | undefined {
  const m = /^hidden_states[._](\d+)$/.exec(key);
  return m ? Number(m[1]) : undefined;
}

/**
 * The first input present among `names`, or an error listing the fixture's inputs.
 * @internal
 */
export function pickInput(inputs: Record<string, Tensor>, names: readonly string[], what: string): Tensor {
  for (const n of names) if (inputs[n]) return inputs[n]!;
  throw new Error(`parity: no ${what} input (looked for input.${names.join(", input.")}; the fixture has ${Object.keys(inputs).map((n) => "input." + n).join(", ") || "none"})`);
}

/**
 * Weights under `prefix`, with the prefix removed (all weights if none carry it).
 * @internal
 */
export function stripPrefix(weights: Record<string, Tensor>, prefix: string): Record<string, Tensor> {
  const names = Object.keys(weights);
  if (!names.some((n) => n.startsWith(prefix))) return weights;
  const out = nameRecord<Tensor>();
  for (const n of names) if (n.startsWith(prefix)) out[n.slice(prefix.length)] = weights[n]!;
  return out;
}

/** A ParityRunner from a fixture -> model builder. */
export function makeRunner<P>(
  name: string,
  matches: (f: Fixture) => boolean,
  build: (f: Fixture) => ParityModel<P>,
  defaultTolerance = 1e-5,
): ParityRunner {
  return {
    name,
    matches,
    tolerance: () => defaultTolerance,
    run(f: Fixture, wanted: readonly string[]): Record<string, Tensor> {
      const model = build(f);
      const lossSpec = parseLoss(f.config.loss);
      const forwardNames = wanted.filter((n) => !n.startsWith("grad."));
      const gradNames = wanted.filter((n) => n.startsWith("grad."));
      const out: Record<string, Tensor> = tidy(() => {
        const resolve = model.forward(model.params, f.inputs);
        const res: Record<string, Tensor> = {};
        for (const n of forwardNames) {
          const key = resultKey(n);
          const v = key === "loss" && lossSpec ? lossOf(resolve, lossSpec, f.inputs) : resolve(key);
          if (v) res[n] = v;
        }
        return res;
      });
      if (gradNames.length) {
        if (!lossSpec) throw new Error(`parity: the fixture has grad.* tensors but config.loss ${JSON.stringify(f.config.loss)} is not "sum(output.X ** 2)", "mean(output.X ** 2)" or "sum(output.X * input.Y)"`);
        const floatInputs = nameRecord<Tensor>();
        for (const [k, t] of Object.entries(f.inputs)) if (isFloat(t.dtype)) floatInputs[k] = t;
        const [loss, grads] = valueAndGrad((p: P, xs: Record<string, Tensor>) => lossOf(model.forward(p, { ...f.inputs, ...xs }), lossSpec, { ...f.inputs, ...xs }), { argnums: [0, 1] })(
          model.params,
          floatInputs,
        );
        const gp = flattenTree(grads[0]);
        const gi = grads[1] as Record<string, Tensor>;
        const keep = new Set<Tensor>();
        for (const n of gradNames) {
          const k = n.slice(5);
          const g = k.startsWith("input.") ? gi[k.slice(6)] : gp[k];
          if (g) {
            out[n] = g;
            keep.add(g);
          }
        }
        for (const t of [loss, ...Object.values(gp), ...Object.values(gi)]) if (!keep.has(t)) t.dispose();
      }
      return out;
    },
  };
}
