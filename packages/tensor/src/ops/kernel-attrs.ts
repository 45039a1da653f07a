/**
 * Every kernel-level op with its attributes: the contract between an op's definition (ops/*.ts), its VJP and each
 * backend's kernel (backend/cpu, backend/wasm, backend/webgpu). A new op starts here.
 */
import type { DType } from "../dtype.js";
import type { BinaryOpName, UnaryOpName } from "./elementwise-table.js";
import type { Shape } from "../shape.js";

/** Attributes of a 2-D sliding window (im2col / col2im). */
export interface Window2d {
  /** Window size [kh, kw]. */
  readonly kernel: readonly [number, number];
  /** Step between windows [sh, sw]. */
  readonly stride: readonly [number, number];
  /** Zero padding on each side [ph, pw]. */
  readonly padding: readonly [number, number];
  /** Spacing between window taps [dh, dw]. */
  readonly dilation: readonly [number, number];
}

type UnaryAttrs = {
  /** An elementwise unary op from the `UNARY` table; no attributes. */
  [K in UnaryOpName]: Record<string, never>;
};
type BinaryAttrs = {
  /** An elementwise binary op from the `BINARY` table (operands broadcast); no attributes. */
  [K in BinaryOpName]: Record<string, never>;
};

/**
 * Every op a backend implements, with its attributes. Kernel inputs are strided views of any layout
 * (broadcast operands arrive with zero strides); outputs are new contiguous storages.
 */
export interface KernelAttrs extends UnaryAttrs, BinaryAttrs {
  /** Output of `shape` and `dtype` filled with `value`; no inputs. */
  fill: {
    /** The fill value. */
    value: number;
    /** Output shape. */
    shape: Shape;
    /** Output dtype. */
    dtype: DType;
  };
  /** Copy of the input with dtype conversion (float to int truncates toward zero, nonzero to bool is 1). */
  cast: {
    /** Target dtype. */
    dtype: DType;
  };
  /** Copy of a strided view into a contiguous buffer. */
  contiguous: Record<string, never>;
  /** where(cond, a, b), all broadcast to the output shape. */
  where: Record<string, never>;
  /** clamp(x, min, max); a null bound is absent. */
  clamp: {
    /** Lower bound, or null for none. */
    min: number | null;
    /** Upper bound, or null for none. */
    max: number | null;
  };
  /** Reductions over sorted `axes`; the output shape keeps reduced dims as size 1 (the op reshapes after). */
  sum: {
    /** Reduced axes, sorted. */
    axes: readonly number[];
  };
  /** Product over sorted `axes` (reduced dims kept as size 1). */
  prod: {
    /** Reduced axes, sorted. */
    axes: readonly number[];
  };
  /** Maximum over sorted `axes` (reduced dims kept as size 1). */
  max: {
    /** Reduced axes, sorted. */
    axes: readonly number[];
  };
  /** Minimum over sorted `axes` (reduced dims kept as size 1). */
  min: {
    /** Reduced axes, sorted. */
    axes: readonly number[];
  };
  /** Index of the first largest value along `axis` (output int32, reduced dim kept as size 1). */
  argmax: {
    /** The reduced axis. */
    axis: number;
  };
  /** Index of the first smallest value along `axis` (output int32, reduced dim kept as size 1). */
  argmin: {
    /** The reduced axis. */
    axis: number;
  };
  /** Batched matmul: inputs [..., m, k] and [..., k, n] already broadcast over batch dims to the output's. */
  matmul: Record<string, never>;
  /** im2col: [N, C, H, W] -> [N, C*kh*kw, L] (L = output positions). */
  unfold: Window2d;
  /**
   * 2-D convolution (cross-correlation) of x [N, C, H, W] with weight [O, C/groups, kh, kw] -> [N, O, oh, ow],
   * without bias; the same numbers as unfold then matmul (backends may use other algorithms, such as Winograd).
   */
  conv2d: Window2d & {
    /** Channel groups (divides C and O). */
    readonly groups: number;
  };
  /** col2im (adjoint of unfold): [N, C*kh*kw, L] -> [N, C, H, W], overlapping entries summed. */
  fold: Window2d & {
    /** Spatial size [H, W] of the output image. */
    readonly outputSize: readonly [number, number];
  };
  /** out[i][j][k] = x[index[i][j][k]][j][k] along `axis` (torch.gather); index int32. */
  gather: {
    /** The indexed axis. */
    axis: number;
  };
  /** out = base; out[index[i][j]][j] += src[i][j] along `axis` (torch.scatter_add). Inputs: base, index, src. */
  scatterAdd: {
    /** The indexed axis. */
    axis: number;
  };
  /** Selects entries `index` (int32, 1-D) along `axis`. */
  indexSelect: {
    /** The indexed axis. */
    axis: number;
  };
  /** A tensor of the output shape filled with `value`, with the input written at `starts` stepping `steps`. */
  scatterSlice: {
    /** Output shape. */
    shape: Shape;
    /** Per-dimension index where the input's first element lands. */
    starts: readonly number[];
    /** Per-dimension step between the input's elements in the output. */
    steps: readonly number[];
    /** Value of the output elements the input does not cover. */
    value: number;
  };
  /** Concatenation of all inputs along `axis`. */
  concat: {
    /** The concatenation axis. */
    axis: number;
  };
  /** Softmax along `axis`. */
  softmax: {
    /** The normalised axis. */
    axis: number;
  };
  /** Log-softmax along `axis`. */
  logSoftmax: {
    /** The normalised axis. */
    axis: number;
  };
  /**
   * Fused layer normalisation over the trailing `dims` dims (biased variance). Inputs: x, then the weight and
   * the bias (each of the normalized shape) when present.
   */
  layerNorm: {
    /** Number of trailing dims normalised over. */
    dims: number;
    /** Variance epsilon. */
    eps: number;
    /** Whether a weight input follows x. */
    weight: boolean;
    /** Whether a bias input follows (x and the weight). */
    bias: boolean;
  };
  /**
   * Fused group normalisation of [N, C, ...] over groups of C/groups channels, with the optional per-channel
   * affine ([C] weight and bias inputs after x) and an optional activation of the result.
   */
  groupNorm: {
    /** Number of groups (divides C). */
    groups: number;
    /** Variance epsilon. */
    eps: number;
    /** Whether a weight input follows x. */
    weight: boolean;
    /** Whether a bias input follows (x and the weight). */
    bias: boolean;
    /** Activation applied to the normalised (and affine-transformed) values. */
    activation: NormActivation;
  };
  /**
   * Fused scaled-dot-product attention softmax(q k^T * scale + mask) v. Inputs q [..., Lq, D], k [..., Lk, D],
   * v [..., Lk, Dv] and, unless `mask` is "none", a mask [..., Lq, Lk]; batch dims already broadcast to the
   * output's [..., Lq, Dv].
   */
  attention: {
    /** Score scale. */
    scale: number;
    /** Mask out keys after each query position (key j > query i). */
    causal: boolean;
    /** Kind of the mask input: none, boolean (true = attend) or additive (same float dtype as q). */
    mask: "none" | "bool" | "add";
  };
  /** act(x + bias): bias (1-D, the size of x's last dim) broadcast over the last axis, then an activation. */
  biasAct: {
    /** The activation. */
    activation: BiasActivation;
  };
  /**
   * Input gradient of a normalisation over the last axis (the fused backward of layer and group norm): inputs
   * x and g (the gradient of the normalised values, x's shape); per row rstd (g - mean(g) - xhat mean(g xhat)).
   */
  normGrad: {
    /** Variance epsilon of the normalisation. */
    eps: number;
  };
}

/** Activation fused into groupNorm. */
export type NormActivation = "none" | "silu";

/**
 * Activation fused into biasAct: none, ReLU, exact (erf) GELU, tanh-approximated GELU, QuickGELU
 * (x sigmoid(1.702 x)) or SiLU.
 */
export type BiasActivation = "none" | "relu" | "gelu" | "geluTanh" | "quickGelu" | "silu";

/** Names of all kernels. */
export type KernelName = keyof KernelAttrs;
