/**
 * Test helpers: the device list, a seeded generator, inputs with non-contiguous layouts, and tolerant
 * comparison against the float64 references.
 */
import fc from "fast-check";
import { expect } from "vitest";
import { divaEnv, dispose, flip, initBackend, memory, permute, slice, expand, tensor, tidy, type Device, type DType, type Tensor } from "../src/index.js";
import { expandRef, flipRef, Nd, permuteRef, sizeOf } from "./reference.js";

// ---------------------------------------------------------------------------------------------------------
// Devices.

let devicesPromise: Promise<Device[]> | undefined;

/**
 * The devices the suite runs on: always "cpu"; "webgpu" when `initBackend("webgpu")` succeeds (the WebGPU
 * backend registers its factory with `registerBackendFactory` when the package is imported). A device that
 * fails to initialise is skipped with a printed reason, except under CI with DIVA_REQUIRE_WEBGPU=1, where it is
 * an error (a broken driver setup must not pass as skipped tests). DIVA_TEST_DEVICES=cpu limits the list.
 */
export function testDevices(): Promise<Device[]> {
  devicesPromise ??= (async () => {
    const devices: Device[] = ["cpu"];
    const only = divaEnv("DIVA_TEST_DEVICES")?.split(",").map((s) => s.trim());
    const wanted: Device[] = ["webgpu"];
    const required = process.env.CI === "true" && divaEnv("DIVA_REQUIRE_WEBGPU") === "1";
    for (const device of wanted) {
      if (only && !only.includes(device) && !required) continue;
      try {
        // the WebGPU backend registers its factory when its module is imported (idempotent if index.ts does it)
        if (device === "webgpu") await import("../src/backend/webgpu/index.js");
        await initBackend(device);
        devices.push(device);
      } catch (e) {
        const reason = e instanceof Error ? e.message : String(e);
        if (required) throw new Error(`${device} is required (CI=true, DIVA_REQUIRE_WEBGPU=1) but failed to initialise: ${reason}`);
        console.warn(`[@diva/tensor tests] skipping device "${device}": ${reason}. Running on cpu only.`);
      }
    }
    return devices;
  })();
  return devicesPromise;
}

/** fast-check runs for a property on `device`: fewer on WebGPU, where each dispatch costs more on software drivers. */
export function runsFor(device: Device, cpuRuns: number): number {
  return device === "cpu" ? cpuRuns : Math.max(2, Math.ceil(cpuRuns / 4));
}

/** Tolerances for comparing a float32 device result with a float64 reference: |got - want| <= atol + rtol |want|. */
export interface Tol {
  rtol: number;
  atol: number;
}

/**
 * Stated tolerances per kind of computation, for float32 results.
 * - exact: ops that only move or select values (shape, indexing, comparisons, min/max): bit-exact.
 * - basic: one correctly-rounded float32 operation (add, mul, div, sqrt): 1 ulp plus slack.
 * - transcendental: exp/log/tanh/erf...: the CPU computes in float64 and rounds once; WebGPU builtins are
 *   allowed a few more ulps.
 * - accum: sums, means, matmul, conv, norms: accumulation over up to ~100 terms of magnitude ~1.
 * - composite: ops built from several float32 ops with intermediate rounding (layer/group norm, attention,
 *   losses, bilinear interpolation).
 */
export function tolFor(device: Device, kind: "exact" | "basic" | "transcendental" | "accum" | "composite"): Tol {
  const gpu = device !== "cpu";
  switch (kind) {
    case "exact":
      return { rtol: 0, atol: 0 };
    case "basic":
      return { rtol: 2.5e-7, atol: 1e-7 };
    case "transcendental":
      return gpu ? { rtol: 1e-5, atol: 5e-6 } : { rtol: 2.5e-7, atol: 1e-7 };
    case "accum":
      return gpu ? { rtol: 1e-4, atol: 1e-5 } : { rtol: 1e-5, atol: 2e-6 };
    case "composite":
      return gpu ? { rtol: 1e-3, atol: 1e-4 } : { rtol: 1e-4, atol: 1e-5 };
  }
}

// ---------------------------------------------------------------------------------------------------------
// Randomness: fast-check supplies shapes and a seed; values come from a seeded generator.

export class Rand {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }
  /** Uniform in [0, 1) (mulberry32). */
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }
  /** Integer in [lo, hi] inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]!;
  }
  bool(p = 0.5): boolean {
    return this.next() < p;
  }
  shuffle<T>(xs: readonly T[]): T[] {
    const a = [...xs];
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    return a;
  }
  /** A random subset of `xs` (each kept with probability p). */
  subset<T>(xs: readonly T[], p = 0.5): T[] {
    return xs.filter(() => this.bool(p));
  }
}

export const seedArb = fc.integer({ min: 1, max: 0x7fffffff });
/** A dimension size, biased towards 1 so that size-1 dims are common. */
export const dimArb = (max = 4) => fc.oneof({ weight: 1, arbitrary: fc.constant(1) }, { weight: 3, arbitrary: fc.integer({ min: 1, max }) });
export const shapeArb = (minRank = 0, maxRank = 4, maxDim = 4) => fc.array(dimArb(maxDim), { minLength: minRank, maxLength: maxRank });

/** Runs an async property with fast-check. */
export async function prop<T>(arb: fc.Arbitrary<T>, body: (v: T) => Promise<void> | void, numRuns = 20): Promise<void> {
  await fc.assert(
    fc.asyncProperty(arb, async (v) => {
      await body(v);
    }),
    { numRuns, endOnFailure: true },
  );
}

/** A shape broadcastable to `shape`: some dims replaced by 1, some leading dims dropped. */
export function broadcastableTo(shape: readonly number[], r: Rand, p1 = 0.35): number[] {
  const drop = r.bool(0.3) ? r.int(0, shape.length) : 0;
  return shape.slice(drop).map((d) => (r.bool(p1) ? 1 : d));
}

// ---------------------------------------------------------------------------------------------------------
// Inputs with layouts.

export type Layout = "contiguous" | "transposed" | "strided" | "flipped" | "expanded";
export const LAYOUTS: readonly Layout[] = ["contiguous", "transposed", "strided", "flipped", "expanded"];
/** Layouts whose elements are independent (every element can be perturbed alone, for finite differences). */
export const FREE_LAYOUTS: readonly Layout[] = ["contiguous", "transposed", "strided", "flipped"];

/** Values of a test input (float64 reference) and how to build a tensor with those values in some layout. */
export interface Input {
  readonly ref: Nd;
  readonly layout: Layout;
  /** Builds a tensor holding `ref` (converted to `dtype`) in this input's layout. */
  make(dtype: DType, device: Device): Tensor;
  /** The same layout over other values of the same shape (not for "expanded"). */
  withValues(ref: Nd): Input;
}

export type ValueGen = (r: Rand) => number;
export const floats = (lo = -2, hi = 2): ValueGen => (r) => Math.fround(r.uniform(lo, hi));
export const ints = (lo = -5, hi = 5): ValueGen => (r) => r.int(lo, hi);
export const bools: ValueGen = (r) => (r.bool() ? 1 : 0);
/** Floats at least `gap` away from each point of `avoid` (kinks of relu/abs, integers of floor...). */
export const floatsAvoiding = (lo: number, hi: number, avoid: (x: number) => number, gap: number): ValueGen => (r) => {
  for (;;) {
    const x = Math.fround(r.uniform(lo, hi));
    if (Math.abs(x - avoid(x)) >= gap) return x;
  }
};

/** `gen` with its values converted to what `dtype` stores (so a reference never sees unrepresentable inputs). */
export const typed = (gen: ValueGen, dtype: DType): ValueGen => (r) => storeAs(new Nd([], [gen(r)]), dtype).data[0]!;

export function randomNd(shape: readonly number[], r: Rand, gen: ValueGen): Nd {
  const n = sizeOf(shape);
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = gen(r);
  return new Nd(shape, d);
}

function junkFor(dtype: DType): number {
  return dtype === "int32" ? 99 : dtype === "bool" ? 1 : NaN;
}

function fromNd(ref: Nd, dtype: DType, device: Device): Tensor {
  return tensor(Float64Array.from(ref.data), { dtype, shape: [...ref.shape], device });
}

/** An input of `shape` with values from `gen`, built in `layout` (a random variant of it drawn from `r`). */
export function genInput(shape: readonly number[], r: Rand, gen: ValueGen, layout: Layout = "contiguous"): Input {
  if (layout === "expanded") {
    const big = shape.map((d, i) => (d > 1 ? i : -1)).filter((i) => i >= 0);
    const bdims = new Set(r.subset(big, 0.5));
    if (big.length && !bdims.size) bdims.add(r.pick(big));
    let base = shape.map((d, i) => (bdims.has(i) ? 1 : d));
    // sometimes also broadcast from fewer dims (drop leading size-1 dims)
    let lead = 0;
    while (lead < base.length && base[lead] === 1 && r.bool(0.6)) lead++;
    base = base.slice(lead);
    const baseRef = randomNd(base, r, gen);
    return {
      ref: expandRef(baseRef, shape),
      layout,
      make: (dtype, device) => tidy(() => expand(fromNd(baseRef, dtype, device), [...shape])),
      withValues: () => {
        throw new Error("expanded inputs cannot take arbitrary values");
      },
    };
  }
  return layoutInput(randomNd(shape, r, gen), r, layout);
}

/** `ref` built in `layout` (the variant drawn from `r` now, reused by `withValues`). */
export function layoutInput(ref: Nd, r: Rand, layout: Exclude<Layout, "expanded">): Input {
  const rank = ref.rank;
  if (layout === "transposed" && rank >= 2) {
    let perm = r.shuffle([...Array(rank).keys()]);
    if (perm.every((p, i) => p === i)) perm = [...perm].reverse();
    const inv = new Array<number>(rank);
    perm.forEach((p, i) => (inv[p] = i));
    const build = (v: Nd): Input => ({
      ref: v,
      layout,
      make: (dtype, device) => tidy(() => permute(fromNd(permuteRef(v, perm), dtype, device), inv)),
      withValues: build,
    });
    return build(ref);
  }
  if (layout === "strided" && rank >= 1) {
    const steps = ref.shape.map(() => r.pick([2, -2, 1, -1, 3]));
    const big = ref.shape.map((d, i) => Math.abs(steps[i]!) * d + 1);
    const starts = steps.map((s, i) => (s > 0 ? 1 : big[i]! - 2));
    const build = (v: Nd): Input => ({
      ref: v,
      layout,
      make: (dtype, device) => {
        const junk = junkFor(dtype);
        const host = new Nd(big, new Float64Array(sizeOf(big)).fill(junk));
        const n = v.size;
        for (let i = 0; i < n; i++) {
          let rem = i;
          const idx = new Array<number>(rank);
          for (let d = rank - 1; d >= 0; d--) {
            idx[d] = starts[d]! + steps[d]! * (rem % v.shape[d]!);
            rem = Math.floor(rem / v.shape[d]!);
          }
          host.set(idx, v.data[i]!);
        }
        const specs = steps.map((s, d) => (s > 0 ? ([starts[d]!, starts[d]! + s * v.shape[d]!, s] as const) : ([starts[d]!, null, s] as const)));
        return tidy(() => slice(fromNd(host, dtype, device), specs));
      },
      withValues: build,
    });
    return build(ref);
  }
  if (layout === "flipped" && rank >= 1) {
    let axes = r.subset([...Array(rank).keys()]);
    if (!axes.length) axes = [r.int(0, rank - 1)];
    const build = (v: Nd): Input => ({
      ref: v,
      layout,
      make: (dtype, device) => tidy(() => flip(fromNd(flipRef(v, axes), dtype, device), axes)),
      withValues: build,
    });
    return build(ref);
  }
  const build = (v: Nd): Input => ({ ref: v, layout: "contiguous", make: (dtype, device) => fromNd(v, dtype, device), withValues: build });
  return build(ref);
}

// ---------------------------------------------------------------------------------------------------------
// Comparison.

function describeIdx(i: number, shape: readonly number[]): string {
  const idx: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(i % shape[d]!);
    i = Math.floor(i / shape[d]!);
  }
  return `[${idx.join(",")}]`;
}

/** Asserts that a tensor's shape, dtype and values match a reference within `tol` (NaN matches NaN). */
export async function expectTensor(t: Tensor, want: Nd, dtype: DType, tol: Tol, what = ""): Promise<void> {
  const label = what ? `${what}: ` : "";
  expect(t.shape, `${label}shape`).toEqual([...want.shape]);
  expect(t.dtype, `${label}dtype`).toBe(dtype);
  const got = await t.data();
  expectValues(got, want, tol, what);
}

/** Compares flat values with a reference. */
export function expectValues(got: ArrayLike<number>, want: Nd, tol: Tol, what = ""): void {
  const label = what ? `${what}: ` : "";
  expect(got.length, `${label}size`).toBe(want.size);
  const bad: string[] = [];
  for (let i = 0; i < want.size; i++) {
    const g = got[i]!;
    const w = want.data[i]!;
    const ok = Number.isNaN(w) ? Number.isNaN(g) : g === w || Math.abs(g - w) <= tol.atol + tol.rtol * Math.abs(w);
    if (!ok && bad.length < 5) bad.push(`at ${describeIdx(i, want.shape)}: got ${g}, want ${w} (diff ${Math.abs(g - w)})`);
  }
  if (bad.length) expect.fail(`${label}values differ (rtol ${tol.rtol}, atol ${tol.atol}) for shape [${want.shape.join(",")}]:\n  ${bad.join("\n  ")}`);
}

/**
 * Builds the inputs on `device`, runs `fn` outside any tidy scope, compares each output with its reference, then
 * disposes inputs and outputs and asserts that the live-tensor count is back where it was (so an op that leaks
 * an intermediate fails).
 */
export async function checkOp(
  device: Device,
  inputs: readonly { input: Input; dtype: DType }[],
  fn: (...xs: Tensor[]) => Tensor | Tensor[],
  want: Nd | Nd[],
  dtype: DType | DType[],
  tol: Tol,
  what = "",
): Promise<void> {
  const before = memory().tensors;
  const xs = inputs.map(({ input, dtype: dt }) => input.make(dt, device));
  let out: Tensor | Tensor[] | undefined;
  try {
    out = fn(...xs);
    const outs = Array.isArray(out) ? out : [out];
    const wants = Array.isArray(want) ? want : [want];
    expect(outs.length, `${what}: number of outputs`).toBe(wants.length);
    for (let i = 0; i < outs.length; i++) {
      expect(outs[i]!.device).toBe(device);
      await expectTensor(outs[i]!, wants[i]!, Array.isArray(dtype) ? dtype[i]! : dtype, tol, outs.length > 1 ? `${what} output ${i}` : what);
    }
  } finally {
    dispose([xs, out]);
  }
  expect(memory().tensors, `${what}: live tensors after disposing inputs and outputs (leak)`).toBe(before);
}

/** Result dtype of an arithmetic op under the library's promotion (bool < int32 < float32 < float64). */
export function promote(a: DType, b: DType): DType {
  const rank: Record<DType, number> = { bool: 0, int32: 1, float16: 2, float32: 3, float64: 4 };
  return rank[a] >= rank[b] ? a : b;
}

/** Rounds a reference to what a dtype stores (float32 rounding, int32 truncation, bool 0/1). */
export function storeAs(v: Nd, dtype: DType): Nd {
  if (dtype === "float32") return new Nd(v.shape, Array.from(v.data, Math.fround));
  if (dtype === "int32") return new Nd(v.shape, Array.from(v.data, (x) => Math.trunc(x) | 0));
  if (dtype === "bool") return new Nd(v.shape, Array.from(v.data, (x) => (x !== 0 ? 1 : 0)));
  return v;
}

// ---------------------------------------------------------------------------------------------------------
// Coverage of exported op functions.

/**
 * Tracks which op functions of some modules have tests: `cover(name)` when defining a test, then `missing()`
 * lists exported functions without one.
 */
export function opCoverage(modules: readonly Record<string, unknown>[], exclude: readonly string[] = []) {
  const names = new Set<string>();
  for (const m of modules) for (const [k, v] of Object.entries(m)) if (typeof v === "function" && !exclude.includes(k)) names.add(k);
  const covered = new Set<string>();
  return {
    cover: (...ns: string[]) => ns.forEach((n) => covered.add(n)),
    missing: () => [...names].filter((n) => !covered.has(n)).sort(),
    unknown: () => [...covered].filter((n) => !names.has(n)).sort(),
  };
}
