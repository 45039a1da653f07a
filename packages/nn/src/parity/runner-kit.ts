/**
 * Shared machinery of the parity runners: a model is a forward function from (params, inputs) to a
 * resolver that names results; the kit evaluates the wanted `output.*` / `intermediate.*` names, and for
 * `grad.*` names differentiates the fixture's loss (parsed from `config.loss`, e.g.
 * "loss = sum(output.image_embeds ** 2)") with valueAndGrad w.r.t. the parameters and the float inputs.
 */
import { div, flattenTree, isFloat, mean, nameRecord, norm, square, sum, tidy, valueAndGrad, type Tensor } from "@diva/tensor";
import type { Fixture } from "./fixture.js";
import type { ParityRunner } from "./registry.js";

/** Maps a result key (name without `output.`/`intermediate.`) to a tensor, or undefined if unknown. */
export type Resolver = (key: string) => Tensor | undefined;

/** A model built from a fixture. */
export interface ParityModel<P> {
  /** Parameter tree (differentiated for grad.* names). */
  params: P;
  /** Runs the model; the resolver names its results. */
  forward(params: P, inputs: Record<string, Tensor>): Resolver;
}

/** A loss the fixtures describe: reduction of the square of one output. */
export interface LossSpec {
  /** "sum" or "mean". */
  reduction: "sum" | "mean";
  /** Result key squared. */
  key: string;
}

/** Parses `config.loss` ("loss = sum(output.image_embeds ** 2) ..."); undefined if absent or not of that form. */
export function parseLoss(text: unknown): LossSpec | undefined {
  if (typeof text !== "string") return undefined;
  const m = /\b(sum|mean)\s*\(\s*(?:\(\s*)?(?:output\.)?([\w.]+)\s*\)?\s*(?:\*\*\s*2|\.pow\(2\)|\^\s*2)\s*\)/.exec(text);
  return m ? { reduction: m[1] as "sum" | "mean", key: m[2]! } : undefined;
}

function lossOf(resolve: Resolver, spec: LossSpec): Tensor {
  const v = resolve(spec.key);
  if (!v) throw new Error(`parity: the loss uses "${spec.key}", which this model does not produce`);
  return spec.reduction === "sum" ? sum(square(v)) : mean(square(v));
}

/** Strips `output.` / `intermediate.`. */
export function resultKey(full: string): string {
  return full.replace(/^(output|intermediate)\./, "");
}

/** L2-normalises the last dim. */
export function l2n(x: Tensor): Tensor {
  return tidy(() => div(x, norm(x, 2, -1, { keepdim: true })));
}

/** `block.i` / `blocks.i` / `resblocks.i` / `layer.i` / `layers.i` -> i; undefined otherwise. */
export function blockIndex(key: string): number | undefined {
  const m = /^(?:block|blocks|resblock|resblocks|layer|layers)[._](\d+)$/.exec(key);
  return m ? Number(m[1]) : undefined;
}

/** `hidden_states.i` -> i (HF convention: 0 is the embeddings, i is block i-1). */
export function hiddenStateIndex(key: string): number | undefined {
  const m = /^hidden_states[._](\d+)$/.exec(key);
  return m ? Number(m[1]) : undefined;
}

/** The first input present among `names`, or an error listing the fixture's inputs. */
export function pickInput(inputs: Record<string, Tensor>, names: readonly string[], what: string): Tensor {
  for (const n of names) if (inputs[n]) return inputs[n]!;
  throw new Error(`parity: no ${what} input (looked for input.${names.join(", input.")}; the fixture has ${Object.keys(inputs).map((n) => "input." + n).join(", ") || "none"})`);
}

/** Weights under `prefix`, with the prefix removed (all weights if none carry it). */
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
          const v = key === "loss" && lossSpec ? lossOf(resolve, lossSpec) : resolve(key);
          if (v) res[n] = v;
        }
        return res;
      });
      if (gradNames.length) {
        if (!lossSpec) throw new Error(`parity: the fixture has grad.* tensors but config.loss ${JSON.stringify(f.config.loss)} is not "sum(output.X ** 2)" or "mean(output.X ** 2)"`);
        const floatInputs = nameRecord<Tensor>();
        for (const [k, t] of Object.entries(f.inputs)) if (isFloat(t.dtype)) floatInputs[k] = t;
        const [loss, grads] = valueAndGrad((p: P, xs: Record<string, Tensor>) => lossOf(model.forward(p, { ...f.inputs, ...xs }), lossSpec), { argnums: [0, 1] })(
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
