import type { TensorView } from "../../backend.js";
import type { DType } from "../../../dtype.js";
import { bind, type GpuContext } from "../context.js";
import { wgslStorageType, type WgslComputeType } from "../dtypes.js";
import { collapse, type StridedOperand } from "../layout.js";
import { sizeOf } from "../../../shape.js";
import { Params } from "../params.js";
import { gpuStorage, type WebGPUStorage } from "../storage.js";
import { loadAs, storeAs, type WgslValueType } from "../wgsl/convert.js";
import { grid, linearMain, wgslModule, type BufferDecl } from "../wgsl/header.js";
import { stridedCode, writeIteration } from "../wgsl/strided.js";

const WG = 64;

/** One input of a map kernel. */
export interface MapInput {
  readonly view: TensorView;
  /** Strides of the view over the iteration shape (broadcast dimensions 0). */
  readonly strides: readonly number[];
  /** Offset in elements (defaults to the view's). */
  readonly offset?: number;
  /** Compute type the value is loaded as: `v<k>` in the body (and `ld<k>(p)` for any position). */
  readonly as: WgslComputeType;
  /** When true no `v<k>` is loaded: the body reads `ld<k>(...)` itself at a position built from `p<k>`. */
  readonly raw?: boolean;
}

/** A kernel writing one value per element of an iteration shape. */
export interface MapSpec {
  /** Op name for error messages. */
  readonly op: string;
  /** Identifies the body in the pipeline cache (with everything else that changes the WGSL). */
  readonly key: string;
  /** Compute type (the alias `T`). */
  readonly T: WgslComputeType;
  readonly inputs: readonly MapInput[];
  /** Iteration (and, unless `into`, output) shape. */
  readonly shape: readonly number[];
  readonly outDtype: DType;
  /** Type of `r`, the value the body computes. */
  readonly valueType: WgslValueType;
  /** Uniform words the body reads as `s0`, `s1`, ... (u32). */
  readonly scalars?: readonly number[];
  /** WGSL statements defining `r` from `v<k>`, `p<k>`, `c<d>` (when not collapsed), `s<j>`, `ld<k>()`. */
  readonly body: string;
  /** Writes into an existing storage at these strides instead of a new contiguous one (concat). */
  readonly into?: { readonly storage: WebGPUStorage; readonly offset: number; readonly strides: readonly number[] };
  /** Keeps the iteration's dimensions as given (the body uses coordinates `c<d>`). */
  readonly keepRank?: boolean;
}

/**
 * Runs a generated elementwise kernel: each thread maps its linear index to coordinates, each input's
 * element (through its strides, so views of any layout are read in place) and the output element.
 */
export function mapKernel(ctx: GpuContext, spec: MapSpec): WebGPUStorage {
  const n = sizeOf(spec.shape);
  const out = spec.into?.storage ?? ctx.alloc(spec.outDtype, n, spec.op, spec.shape);
  if (n === 0) return out;
  const stores = spec.inputs.map((i) => gpuStorage(i.view, spec.op));
  const operands: StridedOperand[] = spec.inputs.map((i) => ({ strides: i.strides, offset: i.offset ?? i.view.offset }));
  if (spec.into) operands.push({ strides: spec.into.strides, offset: spec.into.offset });
  const full = { shape: spec.shape, operands };
  const it = spec.keepRank ? full : collapse(full);
  const rank = it.shape.length;
  const scalars = spec.scalars ?? [];
  const params = new Params();
  params.u32(n);
  for (const s of scalars) params.u32(s);
  const base = writeIteration(params, it);
  const inTypes = spec.inputs.map((i) => wgslStorageType(i.view.dtype));
  const outType = wgslStorageType(spec.outDtype);
  const key = [
    "map",
    spec.key,
    spec.T,
    `r${rank}`,
    spec.inputs.map((inp, k) => `${inTypes[k]}>${inp.as}${inp.raw ? "!" : ""}`).join(","),
    `${spec.valueType}>${outType}`,
    spec.into ? "into" : "",
    `s${scalars.length}`,
  ].join("|");
  const source = () => {
    const buffers: BufferDecl[] = spec.inputs.map((_, k) => ({ name: `in${k}`, type: inTypes[k]! }));
    buffers.push({ name: "out", type: outType, write: true });
    const loaders = spec.inputs
      .map((inp, k) => `fn ld${k}(p: u32) -> ${inp.as} { return ${loadAs(`in${k}[p]`, inTypes[k]!, inp.as)}; }`)
      .join("\n");
    const nOps = operands.length;
    const outPos = spec.into ? `p${nOps - 1}` : "idx";
    const body = `${loaders}
${linearMain(WG)}
  if (idx >= mu(0u)) { return; }
  ${scalars.map((_, j) => `let s${j} = mu(${1 + j}u);`).join("\n  ")}
  ${stridedCode(rank, nOps, base, "idx")}
  ${spec.inputs.map((inp, k) => (inp.raw ? "" : `let v${k} = ld${k}(p${k});`)).join("\n  ")}
  ${spec.body}
  out[${outPos}] = ${storeAs("r", spec.valueType, outType)};
}`;
    return wgslModule({ T: spec.T, paramWords: params.length, buffers, body });
  };
  const bindings = stores.map(bind);
  bindings.push(bind(out));
  ctx.run(key, source, params, bindings, grid(Math.ceil(n / WG), ctx.maxGroups));
  return out;
}
