import type { OutputInfo, TensorView } from "../../backend.js";
import { castScalar, promoteTypes } from "../../../dtype.js";
import { BINARY, UNARY, type BinaryOpName, type UnaryOpName } from "../../../ops/elementwise-table.js";
import type { GpuContext } from "../context.js";
import { wgslComputeType } from "../dtypes.js";
import { broadcastTo } from "../layout.js";
import { shapesEqual } from "../../../shape.js";
import type { WebGPUStorage } from "../storage.js";
import { mapKernel } from "./map.js";

/** Unary ops whose WGSL builtin has no integer overload: on integers they are the identity. */
const INT_IDENTITY: ReadonlySet<string> = new Set(["floor", "ceil", "round"]);

/** Strides of an input view read over the output shape (broadcasting it where its shape differs). */
export function stridesOver(view: TensorView, shape: readonly number[]): readonly number[] {
  if (shapesEqual(view.shape, shape)) return view.strides;
  return broadcastTo(view.shape, view.strides, shape);
}

/** An elementwise unary op from the shared table. */
export function unary(ctx: GpuContext, name: UnaryOpName, x: TensorView, out: OutputInfo): WebGPUStorage {
  const def = UNARY[name];
  const T = wgslComputeType(def.kind === "bool" ? x.dtype : out.dtype);
  const expr = T === "i32" && INT_IDENTITY.has(name) ? "x" : def.wgsl;
  return mapKernel(ctx, {
    op: name,
    key: `u:${name}`,
    T,
    inputs: [{ view: x, strides: stridesOver(x, out.shape), as: T }],
    shape: out.shape,
    outDtype: out.dtype,
    valueType: def.kind === "bool" ? "b32" : T,
    body: `let x = v0;\n  let r = ${expr};`,
  });
}

/** An elementwise binary op from the shared table; inputs broadcast to the output shape. */
export function binary(ctx: GpuContext, name: BinaryOpName, a: TensorView, b: TensorView, out: OutputInfo): WebGPUStorage {
  const def = BINARY[name];
  const predicate = def.kind === "compare" || def.kind === "logical";
  const T = wgslComputeType(predicate ? promoteTypes(a.dtype, b.dtype) : out.dtype);
  return mapKernel(ctx, {
    op: name,
    key: `b:${name}`,
    T,
    inputs: [
      { view: a, strides: stridesOver(a, out.shape), as: T },
      { view: b, strides: stridesOver(b, out.shape), as: T },
    ],
    shape: out.shape,
    outDtype: out.dtype,
    valueType: predicate ? "b32" : T,
    body: `let x = v0;\n  let y = v1;\n  let r = ${def.wgsl};`,
  });
}

/** Copy with dtype conversion (also `contiguous`, when the dtypes agree). */
export function cast(ctx: GpuContext, x: TensorView, out: OutputInfo, op = "cast"): WebGPUStorage {
  const T = wgslComputeType(x.dtype);
  return mapKernel(ctx, {
    op,
    key: "copy",
    T,
    inputs: [{ view: x, strides: stridesOver(x, out.shape), as: T }],
    shape: out.shape,
    outDtype: out.dtype,
    valueType: T,
    body: "let r = v0;",
  });
}

/** A new tensor filled with `value` (converted to the output dtype). */
export function fill(ctx: GpuContext, value: number, out: OutputInfo): WebGPUStorage {
  const v = castScalar(value, out.dtype);
  const T = wgslComputeType(out.dtype);
  const words = new Uint32Array(1);
  if (T === "f32") new Float32Array(words.buffer)[0] = v;
  else words[0] = v | 0;
  return mapKernel(ctx, {
    op: "fill",
    key: "fill",
    T,
    inputs: [],
    shape: out.shape,
    outDtype: out.dtype,
    valueType: T,
    scalars: [words[0]!],
    body: `let r = bitcast<T>(s0);`,
  });
}

/** where(cond, a, b) with all three broadcast to the output shape; cond is true when JavaScript-truthy. */
export function where(ctx: GpuContext, cond: TensorView, a: TensorView, b: TensorView, out: OutputInfo): WebGPUStorage {
  const T = wgslComputeType(out.dtype);
  const C = wgslComputeType(cond.dtype);
  return mapKernel(ctx, {
    op: "where",
    key: "where",
    T,
    inputs: [
      { view: cond, strides: stridesOver(cond, out.shape), as: C },
      { view: a, strides: stridesOver(a, out.shape), as: T },
      { view: b, strides: stridesOver(b, out.shape), as: T },
    ],
    shape: out.shape,
    outDtype: out.dtype,
    valueType: T,
    body: `let r = select(v2, v1, ${C === "f32" ? "v0 != 0.0 && !isnan_(v0)" : "v0 != 0"});`,
  });
}

/** clamp(x, min, max), NaN-propagating; a null bound is absent. */
export function clamp(ctx: GpuContext, x: TensorView, lo: number | null, hi: number | null, out: OutputInfo): WebGPUStorage {
  const T = wgslComputeType(out.dtype);
  const words = new Uint32Array(2);
  const f = new Float32Array(words.buffer);
  const put = (i: number, v: number) => {
    if (T === "f32") f[i] = v;
    else words[i] = Math.max(-2147483648, Math.min(2147483647, Number.isNaN(v) ? 0 : Math.trunc(v))) | 0;
  };
  const stmts = ["var r = v0;"];
  if (lo !== null) {
    put(0, lo);
    stmts.push("r = max_(r, bitcast<T>(s0));");
  }
  if (hi !== null) {
    put(1, hi);
    stmts.push("r = min_(r, bitcast<T>(s1));");
  }
  return mapKernel(ctx, {
    op: "clamp",
    key: `clamp:${lo !== null ? "lo" : ""}${hi !== null ? "hi" : ""}`,
    T,
    inputs: [{ view: x, strides: stridesOver(x, out.shape), as: T }],
    shape: out.shape,
    outDtype: out.dtype,
    valueType: T,
    scalars: [words[0]!, words[1]!],
    body: stmts.join("\n  "),
  });
}
