import type { TensorView } from "../../backend.js";
import type { DType } from "../../../dtype.js";
import { bind, type GpuContext } from "../context.js";
import { wgslStorageType, type WgslComputeType, type WgslStorageType } from "../dtypes.js";
import { collapse, type StridedOperand } from "../layout.js";
import { sizeOf } from "../../../shape.js";
import { Params } from "../params.js";
import { gpuStorage, type WebGPUStorage } from "../storage.js";
import { loadAs, storeAs, type WgslValueType } from "../wgsl/convert.js";
import { grid, linearMain, wgslModule, type BufferDecl } from "../wgsl/header.js";
import { stridedCode, writeIteration } from "../wgsl/strided.js";

const WG = 64;

/** One input of a map kernel. */
interface MapInput {
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
interface MapSpec {
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
  const wgsl: MapWgslSpec = {
    kernel: "map", name: spec.key, body: spec.body, T: spec.T, rank, inTypes, inAs: spec.inputs.map((i) => i.as), inRaw: spec.inputs.map((i) => !!i.raw),
    valueType: spec.valueType, outType, into: !!spec.into, nOps: operands.length, nScalars: scalars.length, base, paramWords: params.length,
  };
  const bindings = stores.map(bind);
  bindings.push(bind(out));
  ctx.run(wgsl, mapWgsl, params, bindings, grid(Math.ceil(n / WG), ctx.maxGroups));
  return out;
}

/** What a map kernel's WGSL depends on (its body included, so two bodies never share a pipeline). */
type MapWgslSpec = {
  kernel: "map"; name: string; body: string; T: WgslComputeType; rank: number; inTypes: readonly WgslStorageType[]; inAs: readonly WgslComputeType[];
  inRaw: readonly boolean[]; valueType: WgslValueType; outType: WgslStorageType; into: boolean; nOps: number; nScalars: number; base: number; paramWords: number;
};

function mapWgsl({ body, T, rank, inTypes, inAs, inRaw, valueType, outType, into, nOps, nScalars, base, paramWords }: MapWgslSpec): string {
  const buffers: BufferDecl[] = inTypes.map((type, k) => ({ name: `in${k}`, type }));
  buffers.push({ name: "out", type: outType, write: true });
  const loaders = inAs.map((as, k) => `fn ld${k}(p: u32) -> ${as} { return ${loadAs(`in${k}[p]`, inTypes[k]!, as)}; }`).join("\n");
  const outPos = into ? `p${nOps - 1}` : "idx";
  const main = `${loaders}
${linearMain(WG)}
  if (idx >= mu(0u)) { return; }
  ${Array.from({ length: nScalars }, (_, j) => `let s${j} = mu(${1 + j}u);`).join("\n  ")}
  ${stridedCode(rank, nOps, base, "idx")}
  ${inRaw.map((raw, k) => (raw ? "" : `let v${k} = ld${k}(p${k});`)).join("\n  ")}
  ${body}
  out[${outPos}] = ${storeAs("r", valueType, outType)};
}`;
  return wgslModule({ T, paramWords, buffers, body: main });
}
