import type { Tensor } from "../tensor.js";

/** Cotangent of each input (null where the input gets no gradient). */
export type VjpResult = readonly (Tensor | null)[];

/** Everything a VJP may use: the op's inputs, its output and its attributes. */
export interface VjpContext<A> {
  /** The op's inputs, as recorded on the tape. */
  readonly inputs: readonly Tensor[];
  /** The op's output. */
  readonly output: Tensor;
  /** The op's attributes. */
  readonly attrs: A;
  /**
   * Which inputs need a cotangent. A VJP may return null for the others and skip their work (so a frozen
   * model's weights cost nothing in the backward pass).
   */
  readonly needsGrad: readonly boolean[];
}

/** A vector-Jacobian product written with other ops, so that gradients of gradients work. */
export type Vjp<A> = (g: Tensor, ctx: VjpContext<A>) => VjpResult;

/** One recorded op application at one gradient level. A leaf (a tensor being differentiated) has no vjp. */
export interface TapeNode {
  readonly name: string;
  readonly vjp: Vjp<unknown> | null;
  readonly inputs: readonly Tensor[];
  readonly output: Tensor;
  readonly attrs: unknown;
}

/**
 * Gradient levels: `grad` inside `grad` opens level 2 inside level 1. An op records a node at every active
 * level at which one of its inputs has a node, up to the ceiling; the backward pass of level L runs with the
 * ceiling at L-1, so its ops are recorded for the outer levels only (that is what makes grad-of-grad work).
 */
let activeLevels = 0;
let ceiling = Number.POSITIVE_INFINITY;
const recorded: Tensor[][] = [];

/** Opens a new gradient level and returns its number (1 for the outermost). */
export function pushLevel(): number {
  activeLevels++;
  recorded[activeLevels] = [];
  return activeLevels;
}

/** Closes the innermost level: its nodes are dropped and the tensors they held are released. */
export function popLevel(level: number): void {
  if (level !== activeLevels) throw new Error("autograd: gradient levels closed out of order");
  const tensors = recorded[level] ?? [];
  recorded[level] = [];
  activeLevels--;
  for (const t of tensors) {
    const node = t.nodes?.[level];
    if (!node) continue;
    t.nodes![level] = undefined;
    for (const inp of node.inputs) inp.releaseFromTape();
    t.releaseFromTape();
  }
}

/** Runs `fn` with recording limited to levels <= `max` (0 disables recording). */
export function withCeiling<T>(max: number, fn: () => T): T {
  const saved = ceiling;
  ceiling = Math.min(ceiling, max);
  try {
    return fn();
  } finally {
    ceiling = saved;
  }
}

/** True when some input has a node at a level that records now. */
export function isRecording(inputs: readonly Tensor[]): boolean {
  const top = Math.min(activeLevels, ceiling);
  for (let l = 1; l <= top; l++) if (inputs.some((t) => t.nodes?.[l])) return true;
  return false;
}

/** Records `output = op(inputs)` at every level where it matters. */
export function record<A>(name: string, inputs: readonly Tensor[], output: Tensor, vjp: Vjp<A>, attrs: A): void {
  const top = Math.min(activeLevels, ceiling);
  for (let l = 1; l <= top; l++) {
    if (!inputs.some((t) => t.nodes?.[l])) continue;
    addNode(output, l, { name, vjp: vjp as Vjp<unknown>, inputs, output, attrs });
  }
}

/** Marks `t` as a leaf being differentiated at `level`. */
export function markLeaf(t: Tensor, level: number): void {
  addNode(t, level, { name: "leaf", vjp: null, inputs: [], output: t, attrs: undefined });
}

function addNode(t: Tensor, level: number, node: TapeNode): void {
  (t.nodes ??= [])[level] = node;
  for (const inp of node.inputs) inp.tapeRefs++;
  t.tapeRefs++;
  recorded[level]!.push(t);
}
