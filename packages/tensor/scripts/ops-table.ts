/**
 * Generates docs/ops.md: the op registry (kernel ops and view ops: differentiable or not, the kernel ops their
 * VJP runs, which backends implement a kernel) and every public op function with the kernel and view ops it
 * is built from. The "built from" and "VJP runs" columns are traced: each function runs on small sample inputs
 * on a CPU backend whose kernels record their names (and its gradient runs with VJPs that record theirs).
 *
 *   node --conditions=source --import tsx packages/tensor/scripts/ops-table.ts
 *
 * A test (packages/tensor/test/ops-table.test.ts) regenerates the file in memory and compares.
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as T from "../src/index.js";
import type { Kernel, KernelTable, Tensor } from "../src/index.js";
import * as conv from "../src/ops/conv.js";
import * as creation from "../src/ops/creation.js";
import * as elementwise from "../src/ops/elementwise.js";
import * as indexing from "../src/ops/indexing.js";
import * as matmul from "../src/ops/matmul.js";
import * as nn from "../src/ops/nn.js";
import * as reduce from "../src/ops/reduce.js";
import * as shape from "../src/ops/shape.js";

/** The op-function modules, in the order the table lists them. */
export const OP_MODULES: readonly [string, Record<string, unknown>][] = [
  ["creation", creation],
  ["elementwise", elementwise],
  ["reduce", reduce],
  ["shape", shape],
  ["indexing", indexing],
  ["matmul", matmul],
  ["conv", conv],
  ["nn", nn],
];

/** Exported functions of the op modules that are helpers, not ops. */
const NOT_OPS = new Set(["viewStrides"]);

/** Names of the public op functions, per module. */
export function opFunctions(): [string, string[]][] {
  return OP_MODULES.map(([m, mod]) => [
    m,
    Object.entries(mod)
      .filter(([k, v]) => typeof v === "function" && !NOT_OPS.has(k))
      .map(([k]) => k)
      .sort(),
  ]);
}

/** Kernel tables of the backends, obtained without a device (a backend's table is complete by type). */
async function backendTables(): Promise<[string, KernelTable][]> {
  const { buildKernelTable } = await import("../src/backend/webgpu/kernels/table.js");
  return [
    ["cpu", T.getBackend("cpu").kernels],
    ["webgpu", buildKernelTable({} as Parameters<typeof buildKernelTable>[0])],
  ];
}

// ---------------------------------------------------------------------------------------------------------
// Sample calls of every op function (small contiguous inputs; float inputs are differentiated).

type Sample = { inputs: () => Tensor[]; run: (xs: Tensor[]) => unknown };

const f = (v: number[], s?: number[]) => T.tensor(Float32Array.from(v), { shape: s ?? [v.length] });
const i32 = (v: number[], s?: number[]) => T.tensor(Int32Array.from(v), { shape: s ?? [v.length] });
const b8 = (v: number[], s?: number[]) => T.tensor(Uint8Array.from(v), { shape: s ?? [v.length], dtype: "bool" });
const X = () => f([0.5, -1.2, 2, 1.5, 0.3, -0.7], [2, 3]);
const P = () => f([0.5, 1.2, 2, 1.5, 0.3, 0.7], [2, 3]);
const img = () => f(Array.from({ length: 32 }, (_, i) => Math.sin(i)), [1, 2, 4, 4]);
const one = (x: () => Tensor, run: (t: Tensor) => unknown): Sample => ({ inputs: () => [x()], run: ([t]) => run(t!) });
const two = (a: () => Tensor, b: () => Tensor, run: (x: Tensor, y: Tensor) => unknown): Sample => ({ inputs: () => [a(), b()], run: ([x, y]) => run(x!, y!) });
const none = (run: () => unknown): Sample => ({ inputs: () => [], run });

const unarySample = (fn: (x: Tensor) => Tensor, pos = false) => one(pos ? P : X, fn);
const binarySample = (fn: (a: Tensor, b: Tensor) => Tensor) => two(P, () => f([1.5, 0.25, 2]), fn);

const SAMPLES: Record<string, Sample> = {
  // creation
  arange: none(() => T.arange(4)),
  eye: none(() => T.eye(3)),
  fromHost: none(() => T.fromHost(new Float32Array(4), "float32", [2, 2])),
  full: none(() => T.full([2, 2], 3)),
  fullLike: one(X, (x) => T.fullLike(x, 2)),
  linspace: none(() => T.linspace(0, 1, 5)),
  ones: none(() => T.ones([2])),
  onesLike: one(X, (x) => T.onesLike(x)),
  scalar: none(() => T.scalar(2)),
  tensor: none(() => T.tensor([[1, 2]])),
  zeros: none(() => T.zeros([2])),
  zerosLike: one(X, (x) => T.zerosLike(x)),
  // elementwise
  cast: one(X, (x) => [T.cast(x, "int32"), T.cast(x, "float64")]),
  clamp: one(X, (x) => T.clamp(x, -1, 1)),
  gelu: one(X, (x) => [T.gelu(x), T.gelu(x, { approximate: "tanh" })]),
  where: { inputs: () => [b8([1, 0, 1, 0, 1, 1], [2, 3]), X(), P()], run: ([c, x, p]) => T.where(c!, x!, p!) },
  // reduce
  argmax: one(X, (x) => T.argmax(x, 1)),
  argmin: one(X, (x) => T.argmin(x, 1)),
  logsumexp: one(X, (x) => T.logsumexp(x, 1)),
  max: one(X, (x) => T.max(x, 1)),
  mean: one(X, (x) => T.mean(x, 1)),
  min: one(X, (x) => T.min(x, 1)),
  norm: one(X, (x) => T.norm(x, 2, 1)),
  prod: one(X, (x) => T.prod(x, 1)),
  std: one(X, (x) => T.std(x, 1)),
  sum: one(X, (x) => T.sum(x, 1)),
  variance: one(X, (x) => T.variance(x, 1)),
  // shape
  broadcastTensors: two(X, () => f([1, 2, 3]), (x, y) => T.broadcastTensors(x, y)),
  broadcastTo: one(() => f([1, 2, 3]), (x) => T.broadcastTo(x, [2, 3])),
  chunk: one(X, (x) => T.chunk(x, 2, 1)),
  clone: one(X, (x) => T.clone(x)),
  concat: two(X, P, (x, y) => T.concat([x, y], 1)),
  contiguous: one(X, (x) => T.contiguous(T.transpose(x))),
  expand: one(() => f([1, 2, 3]), (x) => T.expand(x, [2, 3])),
  flatten: one(X, (x) => T.flatten(x)),
  flip: one(X, (x) => T.flip(x, 1)),
  narrow: one(X, (x) => T.narrow(x, 1, 1, 2)),
  pad: one(X, (x) => T.pad(x, [[1, 1]])),
  permute: one(X, (x) => T.permute(x, [1, 0])),
  repeat: one(X, (x) => T.repeat(x, [2, 1])),
  reshape: one(X, (x) => T.reshape(x, [3, 2])),
  slice: one(X, (x) => T.slice(x, [null, [null, null, -2]])),
  split: one(X, (x) => T.split(x, [1, 2], 1)),
  squeeze: one(() => f([1, 2, 3], [1, 3]), (x) => T.squeeze(x)),
  stack: two(X, P, (x, y) => T.stack([x, y])),
  tile: one(X, (x) => T.tile(x, [2])),
  transpose: one(X, (x) => T.transpose(x)),
  unsqueeze: one(X, (x) => T.unsqueeze(x, 0)),
  // indexing
  embedding: two(X, () => i32([1, 0, 1]), (w, ids) => T.embedding(w, ids)),
  gather: two(X, () => i32([0, 2, 1, 1], [2, 2]), (x, i) => T.gather(x, 1, i)),
  indexSelect: two(X, () => i32([2, 0]), (x, i) => T.indexSelect(x, 1, i)),
  maskedFill: two(X, () => b8([1, 0, 1]), (x, m) => T.maskedFill(x, m, 0)),
  oneHot: one(() => i32([0, 2]), (i) => T.oneHot(i, 3)),
  scatterAdd: { inputs: () => [X(), i32([0, 2, 1, 1], [2, 2]), f([1, 2, 3, 4], [2, 2])], run: ([x, i, s]) => T.scatterAdd(x!, 1, i!, s!) },
  take: two(X, () => i32([2, 0]), (x, i) => T.take(x, i, 1)),
  // linalg
  linear: { inputs: () => [X(), f([1, 2, 3, 4, 5, 6], [2, 3]), f([1, 2])], run: ([x, w, b]) => T.linear(x!, w!, b!) },
  matmul: two(X, () => f([1, 2, 3, 4, 5, 6], [3, 2]), (a, b) => T.matmul(a, b)),
  // conv
  avgPool1d: one(() => f(Array.from({ length: 8 }, (_, i) => i), [1, 2, 4]), (x) => T.avgPool1d(x, 2)),
  avgPool2d: one(img, (x) => T.avgPool2d(x, 2)),
  conv2d: { inputs: () => [img(), f(Array.from({ length: 36 }, (_, i) => Math.cos(i)), [2, 2, 3, 3]), f([0.1, 0.2])], run: ([x, w, b]) => T.conv2d(x!, w!, b!, { padding: 1 }) },
  fold: one(() => f(Array.from({ length: 72 }, (_, i) => i), [1, 8, 9]), (c) => T.fold(c, [4, 4], 2, { stride: 1 })),
  interpolate: one(img, (x) => T.interpolate(x, { scaleFactor: 2, mode: "bilinear" })),
  unfold: one(img, (x) => T.unfold(x, 2)),
  // nn
  crossEntropy: two(X, () => i32([2, 0]), (l, t) => T.crossEntropy(l, t)),
  dropout: one(X, (x) => T.dropout(x, 0.5, T.randomKey(0))),
  groupNorm: one(img, (x) => T.groupNorm(x, 2, { activation: "silu" })),
  biasActivation: two(X, () => f([0.1, -0.2, 0.3]), (x, b) => T.biasActivation(x, b, "gelu")),
  layerNorm: one(X, (x) => T.layerNorm(x, [3])),
  logSoftmax: one(X, (x) => T.logSoftmax(x)),
  mseLoss: two(X, P, (a, b) => T.mseLoss(a, b)),
  scaledDotProductAttention: { inputs: () => [X(), P(), X()], run: ([q, k, v]) => T.scaledDotProductAttention(q!, k!, v!, { isCausal: true }) },
  softmax: one(X, (x) => T.softmax(x)),
};

const POSITIVE_DOMAIN = new Set(["log", "log1p", "sqrt", "rsqrt", "reciprocal", "pow"]);
for (const name of Object.keys(T.UNARY)) {
  const fn = (elementwise as unknown as Record<string, (x: Tensor) => Tensor>)[name];
  if (fn && !(name in SAMPLES)) SAMPLES[name] = unarySample(fn, POSITIVE_DOMAIN.has(name));
}
for (const name of Object.keys(T.BINARY)) {
  const fn = (elementwise as unknown as Record<string, (a: Tensor, b: Tensor) => Tensor>)[name];
  if (fn && !(name in SAMPLES)) SAMPLES[name] = binarySample(fn);
}

/** Op functions without a sample (the test requires none). */
export function unsampledOps(): string[] {
  return opFunctions()
    .flatMap(([, names]) => names)
    .filter((n) => !(n in SAMPLES));
}

// ---------------------------------------------------------------------------------------------------------
// Tracing.

interface Trace {
  forwardKernels: Map<string, Set<string>>;
  forwardViews: Map<string, Set<string>>;
  /** Ops each VJP ran; a VJP that never ran on the samples has no entry. */
  vjpOps: Map<string, Set<string>>;
}

function leaves(v: unknown): Tensor[] {
  return T.treeLeaves(v);
}

/** Runs every sample with recording kernels, views and VJPs; restores the registry and backend after. */
function trace(): Trace {
  const tables = T.opTables();
  const original = T.getBackend("cpu");
  const sinks: Set<string>[] = [];
  const note = (name: string) => {
    for (const s of sinks) s.add(name);
  };
  const kernels = Object.fromEntries(
    Object.entries(original.kernels).map(([name, k]) => [
      name,
      ((inputs, attrs, out) => {
        note(`k:${name}`);
        return (k as Kernel<unknown>)(inputs, attrs, out);
      }) as Kernel<unknown>,
    ]),
  ) as unknown as KernelTable;
  const saved: (() => void)[] = [];
  const vjpSink = new Map<string, Set<string>>();
  const wrapVjp = (name: string, def: { vjp: unknown }) => {
    const vjp = def.vjp;
    if (typeof vjp !== "function") return;
    def.vjp = (g: Tensor, ctx: unknown) => {
      const sink = vjpSink.get(name) ?? new Set<string>();
      vjpSink.set(name, sink);
      sinks.push(sink);
      try {
        return (vjp as (g: Tensor, c: unknown) => unknown)(g, ctx);
      } finally {
        sinks.pop();
      }
    };
    saved.push(() => (def.vjp = vjp));
  };
  for (const [name, def] of Object.entries(tables.kernels)) wrapVjp(name, def as { vjp: unknown });
  for (const [name, def] of Object.entries(tables.views)) {
    wrapVjp(name, def as { vjp: unknown });
    const d = def as { view: (x: Tensor, a: unknown) => unknown };
    const view = d.view;
    d.view = (x, a) => {
      note(`v:${name}`);
      return view(x, a);
    };
    saved.push(() => (d.view = view));
  }
  const forwardKernels = new Map<string, Set<string>>();
  const forwardViews = new Map<string, Set<string>>();
  T.registerBackend(T.createCpuBackend(kernels));
  try {
    for (const [, names] of opFunctions()) {
      for (const name of names) {
        const sample = SAMPLES[name];
        if (!sample) continue;
        T.tidy(() => {
          const xs = sample.inputs();
          const sink = new Set<string>();
          sinks.push(sink);
          let out: unknown;
          try {
            out = sample.run(xs);
          } finally {
            sinks.pop();
          }
          forwardKernels.set(name, new Set([...sink].filter((s) => s.startsWith("k:")).map((s) => s.slice(2))));
          forwardViews.set(name, new Set([...sink].filter((s) => s.startsWith("v:")).map((s) => s.slice(2))));
          // run the gradient w.r.t. the float inputs so that the VJPs on the way record what they use
          const argnums = xs.map((x, i) => (T.isFloat(x.dtype) ? i : -1)).filter((i) => i >= 0);
          const outs = leaves(out).filter((t) => T.isFloat(t.dtype));
          if (argnums.length && outs.length) {
            T.valueAndGrad(
              (...ts: Tensor[]) => leaves(sample.run(ts)).filter((t) => T.isFloat(t.dtype)).map((t) => T.sum(T.mul(t, t))).reduce((a, b) => T.add(a, b)),
              { argnums },
            )(...xs);
          }
        });
      }
    }
  } finally {
    T.registerBackend(original);
    for (const restore of saved) restore();
  }
  const vjpOps = new Map<string, Set<string>>();
  for (const [name, s] of vjpSink) vjpOps.set(name, new Set([...s].map((x) => x.slice(2))));
  return { forwardKernels, forwardViews, vjpOps };
}

// ---------------------------------------------------------------------------------------------------------
// The document.

/** "(passes the cotangent through)" when a VJP ran no op, "(not traced)" when the samples never ran it. */
const vjpCell = (tr: Trace, name: string) => {
  const s = tr.vjpOps.get(name);
  if (!s) return "(not traced)";
  return s.size ? list(s) : "(passes the cotangent through)";
};

const list = (s: Set<string> | undefined) => (s && s.size ? [...s].sort().map((n) => `\`${n}\``).join(", ") : "—");

/** The text of docs/ops.md. */
export async function generateOpsTable(): Promise<string> {
  const tables = T.opTables();
  const backends = await backendTables();
  const tr = trace();
  const unary = new Set(Object.keys(T.UNARY));
  const binary = new Set(Object.keys(T.BINARY));
  const lines: string[] = [];
  lines.push("# Ops of @diva/tensor");
  lines.push("");
  lines.push("Generated by `node --conditions=source --import tsx packages/tensor/scripts/ops-table.ts`; do not edit by hand");
  lines.push("(a test fails when this file is out of date).");
  lines.push("");
  lines.push("Every op lives in one registry (`opTables()`): **kernel ops** run a backend kernel, **view ops** re-stride their");
  lines.push("input's storage without copying. Each entry has a shape/dtype rule and a VJP written with other ops, so");
  lines.push("gradients of gradients work. The public functions below are built from these ops. \"VJP runs\" lists the ops");
  lines.push("a VJP was seen to run on sample inputs; \"built from\" lists what a function ran on small contiguous inputs.");
  lines.push("");
  const kernelNames = Object.keys(tables.kernels).sort();
  const differentiable = kernelNames.filter((n) => tables.kernels[n as keyof typeof tables.kernels].vjp !== "nondifferentiable");
  lines.push(`## Kernel ops (${kernelNames.length}; ${differentiable.length} differentiable)`);
  lines.push("");
  lines.push(`| kernel op | kind | differentiable | VJP runs | ${backends.map(([b]) => b).join(" | ")} |`);
  lines.push(`|---|---|---|---|${backends.map(() => "---").join("|")}|`);
  for (const name of kernelNames) {
    const def = tables.kernels[name as keyof typeof tables.kernels];
    const diff = def.vjp !== "nondifferentiable";
    const kind = unary.has(name) ? "unary" : binary.has(name) ? "binary" : "other";
    const impl = backends.map(([, k]) => (typeof (k as unknown as Record<string, unknown>)[name] === "function" ? "yes" : "no"));
    const vjp = !diff ? "—" : name === "fill" ? "(no inputs)" : vjpCell(tr, name);
    lines.push(`| \`${name}\` | ${kind} | ${diff ? "yes" : "no"} | ${vjp} | ${impl.join(" | ")} |`);
  }
  lines.push("");
  const viewNames = Object.keys(tables.views).sort();
  lines.push(`## View ops (${viewNames.length}; no kernel, every backend)`);
  lines.push("");
  lines.push("| view op | differentiable | VJP runs |");
  lines.push("|---|---|---|");
  for (const name of viewNames) lines.push(`| \`${name}\` | yes | ${vjpCell(tr, name)} |`);
  lines.push("");
  const fns = opFunctions();
  const total = fns.reduce((s, [, n]) => s + n.length, 0);
  lines.push(`## Op functions (${total})`);
  lines.push("");
  lines.push("*direct*: runs one kernel op; *composite*: built from several; *view*: only re-strides its input; *host*: builds");
  lines.push("its data on the host and uploads it.");
  lines.push("");
  lines.push("| function | module | kind | kernel ops | view ops |");
  lines.push("|---|---|---|---|---|");
  for (const [module, names] of fns) {
    for (const name of names) {
      const k = tr.forwardKernels.get(name);
      const v = tr.forwardViews.get(name);
      const kind = !k || k.size === 0 ? (v && v.size ? "view" : "host") : k.size === 1 ? "direct" : "composite";
      lines.push(`| \`${name}\` | ${module} | ${kind} | ${list(k)} | ${list(v)} |`);
    }
  }
  lines.push("");
  return lines.join("\n");
}

/** Where the document lives (repository root docs/ops.md). */
export const OPS_MD_PATH = fileURLToPath(new URL("../../../docs/ops.md", import.meta.url));

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const text = await generateOpsTable();
  writeFileSync(OPS_MD_PATH, text);
  console.log(`wrote ${OPS_MD_PATH}`);
}
