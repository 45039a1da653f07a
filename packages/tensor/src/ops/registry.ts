import type { Device, KernelAttrs, KernelName, OutputInfo } from "../backend/backend.js";
import { record, type Vjp } from "../autograd/tape.js";
import { isFloat } from "../dtype.js";
import { getBackend, getDefaultDevice } from "../engine/backends.js";
import { checkTensorBytes } from "../engine/limits.js";
import { StorageRef } from "../engine/memory.js";
import { Tensor } from "../tensor.js";
import { fmt, type Shape } from "../shape.js";

/** Registry entry of an op computed by a backend kernel. */
export interface KernelOpDef<A> {
  /** Validates the inputs and gives the output shape and dtype; errors name the op and the shapes. */
  infer(inputs: readonly Tensor[], attrs: A): OutputInfo;
  /** Gradient rule, or "nondifferentiable" (integer or boolean results). */
  vjp: Vjp<A> | "nondifferentiable";
}

/** The strided view a view op produces (no data is copied). */
interface ViewResult {
  readonly shape: Shape;
  readonly strides: readonly number[];
  readonly offset: number;
}

/** Attributes of the view ops: they re-stride their input's storage. */
export interface ViewAttrs {
  /** The same view under a new handle. */
  identity: Record<string, never>;
  /** A new shape with the same number of elements. */
  reshape: {
    /** The new shape. */
    shape: readonly number[];
  };
  /** Reordered dimensions. */
  permute: {
    /** `perm[i]` is the input dimension that becomes dimension i. */
    perm: readonly number[];
  };
  /** Size-1 dimensions broadcast to a larger size (stride 0). */
  expand: {
    /** The broadcast shape. */
    shape: readonly number[];
  };
  /** Per-dimension start, step (non-zero, may be negative) and length of the result. */
  slice: {
    /** Index of the first element per dimension. */
    starts: readonly number[];
    /** Step per dimension (non-zero, may be negative). */
    steps: readonly number[];
    /** Length of the result per dimension. */
    sizes: readonly number[];
  };
}

/** Names of the view ops. */
export type ViewName = keyof ViewAttrs;

/** Registry entry of a view op. */
export interface ViewOpDef<A> {
  /** Computes the output's shape, strides and offset over the input's storage. */
  view(x: Tensor, attrs: A): ViewResult;
  /** Gradient rule, written with other ops. */
  vjp: Vjp<A>;
}

/** The complete op table: a kernel op or view op without a definition (and so a VJP) is a compile error. */
export type KernelOpTable = { [K in KernelName]: KernelOpDef<KernelAttrs[K]> };
export type ViewOpTable = { [K in ViewName]: ViewOpDef<ViewAttrs[K]> };

let kernelOps: KernelOpTable | undefined;
let viewOps: ViewOpTable | undefined;

/** @internal Installs the op tables (done once by ops/table.ts). */
export function installOps(k: KernelOpTable, v: ViewOpTable): void {
  kernelOps = k;
  viewOps = v;
}

/** The registered op definitions (for docs and tests). */
export function opTables(): {
  /** Definitions of the kernel ops. */
  kernels: KernelOpTable;
  /** Definitions of the view ops. */
  views: ViewOpTable;
} {
  if (!kernelOps || !viewOps) throw new Error("op tables not installed");
  return { kernels: kernelOps, views: viewOps };
}

function deviceOf(op: string, inputs: readonly Tensor[], device?: Device): Device {
  let d = device;
  for (const t of inputs) {
    t.assertLive(op);
    if (d === undefined) d = t.device;
    else if (t.device !== d) {
      throw new Error(`${op}: inputs are on different devices (${d} and ${t.device}); move them with await t.to(device)`);
    }
  }
  return d ?? getDefaultDevice();
}

/** Runs a kernel op: validates, dispatches to the inputs' backend, records the VJP. */
export function runKernel<K extends KernelName>(name: K, inputs: readonly Tensor[], attrs: KernelAttrs[K], device?: Device): Tensor {
  const def = kernelOps![name] as KernelOpDef<KernelAttrs[K]>;
  const dev = deviceOf(name, inputs, device);
  const out = def.infer(inputs, attrs);
  const backend = getBackend(dev);
  if (!backend.supports(out.dtype)) throw new Error(`${name}: dtype ${out.dtype} is not supported on device "${dev}"`);
  checkTensorBytes(name, out.shape, out.dtype, dev);
  const kernel = backend.kernels[name] as (i: readonly Tensor[], a: KernelAttrs[K], o: OutputInfo) => ReturnType<typeof backend.kernels.add>;
  let storage: ReturnType<typeof kernel>;
  try {
    storage = kernel(inputs, attrs, out);
  } catch (e) {
    // the JS engine's own allocation errors ("Invalid typed array length") do not say which op failed
    if (e instanceof RangeError) throw new Error(`${name}: cannot allocate a ${out.dtype} tensor of shape ${fmt(out.shape)} on ${dev} (${e.message})`, { cause: e });
    throw e;
  }
  const t = new Tensor(new StorageRef(storage, backend), out.dtype, out.shape);
  if (def.vjp !== "nondifferentiable" && isFloat(out.dtype)) record(name, inputs, t, def.vjp, attrs);
  return t;
}

/** Runs a view op: a new handle over the same storage, recorded for autograd. */
export function runView<K extends ViewName>(name: K, x: Tensor, attrs: ViewAttrs[K]): Tensor {
  x.assertLive(name);
  const def = viewOps![name] as ViewOpDef<ViewAttrs[K]>;
  const v = def.view(x, attrs);
  const t = new Tensor(x.ref, x.dtype, v.shape, v.strides, v.offset);
  if (isFloat(x.dtype)) record(name, [x], t, def.vjp, attrs);
  return t;
}
