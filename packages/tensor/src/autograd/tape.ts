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
 * level at which one of its inputs has a node and that is allowed now; the backward pass of level L runs with
 * recording limited to levels <= L-1, so its ops are recorded for the outer levels only (that is what makes
 * grad-of-grad work). `checkpoint` opens a fresh level inside a backward pass, so the allowed levels are a
 * predicate rather than a single ceiling.
 */
let activeLevels = 0;
let allowed: (level: number) => boolean = () => true;
const recorded: Tensor[][] = [];

/**
 * While `checkpoint` runs its function without recording, the tracked tensors it may read (its inputs);
 * reading any other tensor that autograd tracks would silently lose that tensor's gradient.
 */
interface Guard {
  readonly inputs: ReadonlySet<Tensor>;
  readonly what: string;
  /** Levels 1..top are the ones recording is off for. */
  readonly top: number;
}
let guard: Guard | undefined;

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

/** Runs `fn` with `allowed` narrowed (or widened) by `next`, which sees the previous predicate. */
function withAllowed<T>(next: (prev: (level: number) => boolean) => (level: number) => boolean, fn: () => T): T {
  const saved = allowed;
  allowed = next(saved);
  try {
    return fn();
  } finally {
    allowed = saved;
  }
}

/** Runs `fn` with recording limited to levels <= `max` (0 disables recording). */
export function withCeiling<T>(max: number, fn: () => T): T {
  return withAllowed((prev) => (l) => l <= max && prev(l), fn);
}

/**
 * Runs `fn` with recording disabled at every level open now (levels opened inside `fn` record as usual);
 * with `inputs`, reading a tracked tensor that is not one of them is an error naming `what`.
 */
export function withoutCurrentLevels<T>(fn: () => T, inputs?: readonly Tensor[], what = "checkpoint"): T {
  const top = activeLevels;
  const savedGuard = guard;
  guard = inputs ? { inputs: new Set(inputs), what, top } : savedGuard;
  try {
    return withAllowed((prev) => (l) => l > top && prev(l), fn);
  } finally {
    guard = savedGuard;
  }
}

/**
 * Opens a new level that records even where the caller's recording is limited (inside a backward pass), runs
 * `fn(level)` and closes the level, releasing everything it recorded. The levels allowed before stay allowed.
 */
export function withFreshLevel<T>(fn: (level: number) => T): T {
  const level = pushLevel();
  const savedGuard = guard;
  guard = undefined;
  try {
    return withAllowed((prev) => (l) => l >= level || prev(l), () => fn(level));
  } finally {
    guard = savedGuard;
    popLevel(level);
  }
}

/** True when some input has a node at a level that records now. */
export function isRecording(inputs: readonly Tensor[]): boolean {
  for (let l = 1; l <= activeLevels; l++) if (allowed(l) && inputs.some((t) => t.nodes?.[l])) return true;
  return false;
}

/** Records `output = op(inputs)` at every level where it matters. */
export function record<A>(name: string, inputs: readonly Tensor[], output: Tensor, vjp: Vjp<A>, attrs: A): void {
  if (guard) checkGuard(name, inputs, guard);
  for (let l = 1; l <= activeLevels; l++) {
    if (!allowed(l) || !inputs.some((t) => t.nodes?.[l])) continue;
    addNode(output, l, { name, vjp: vjp as Vjp<unknown>, inputs, output, attrs });
  }
}

function checkGuard(name: string, inputs: readonly Tensor[], g: Guard): void {
  for (const t of inputs) {
    if (g.inputs.has(t) || !t.nodes?.some((n, l) => n !== undefined && l <= g.top)) continue;
    throw new Error(
      `${g.what}: ${name} read tensor #${t.id} [${t.shape.join(", ")}], which is being differentiated but was not passed as an argument ` +
        "(its gradient would be lost); pass it to the checkpointed function as an argument",
    );
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
