/**
 * Fast CPU conv2d (float32): Winograd F(2x2, 3x3) for stride-1 undilated 3x3 kernels where measurements
 * say it pays (`winogradPays`), else im2col + the WebAssembly GEMM (the same numbers as unfold then matmul).
 * Both read the weight's derived form (Winograd-domain or contiguous copy) from the packed-weight cache.
 */
import type { KernelAttrs, OutputInfo, TensorView } from "../backend.js";
import { mergedStride } from "../../shape.js";
import { conv2dKernel, convDims } from "./conv.js";
import { allocOutput, recycleHost } from "./host-pool.js";
import { packedWeight } from "./packed-weights.js";
import { CpuStorage, dataOf } from "./storage.js";
import { fastUnfoldKernel } from "./window-fast.js";
import { matmulF32 } from "./wasm/index.js";
import { envVar } from "./wasm/env.js";
import { conv3x3WinogradF32, WINOGRAD_CHUNK_BYTES, winogradImageBytes, winogradWeightSize, winogradWeightsF32 } from "./wasm/winograd.js";

/**
 * Which algorithm the fast conv2d uses: chosen per shape ("auto"), or forced (tests, benchmarks); the default
 * comes from `DIVA_CONV_ALGORITHM` in the environment.
 */
export type ConvAlgorithm = "auto" | "gemm" | "winograd";

function fromEnv(): ConvAlgorithm {
  const v = envVar("DIVA_CONV_ALGORITHM")?.trim();
  if (v === undefined || v === "") return "auto";
  if (v === "auto" || v === "gemm" || v === "winograd") return v;
  throw new Error(`DIVA_CONV_ALGORITHM must be auto, gemm or winograd, got "${v}"`);
}

let algorithm: ConvAlgorithm = fromEnv();

/**
 * Forces the fast CPU conv2d's algorithm ("winograd" applies only where it can: float32, 3x3, stride 1,
 * dilation 1, one group, one image's buffers within `WINOGRAD_CHUNK_BYTES`); returns the previous setting.
 */
export function setConvAlgorithm(a: ConvAlgorithm): ConvAlgorithm {
  if (a !== "auto" && a !== "gemm" && a !== "winograd") throw new Error(`setConvAlgorithm: expected "auto", "gemm" or "winograd", got ${String(a)}`);
  const prev = algorithm;
  algorithm = a;
  return prev;
}

/** Whether Winograd F(2x2, 3x3) can compute this conv2d: float32, 3x3, stride 1, dilation 1, one group. */
export function winogradApplies(attrs: KernelAttrs["conv2d"], dtype: string): boolean {
  const { kernel: k, stride: s, dilation: d } = attrs;
  return dtype === "float32" && attrs.groups === 1 && k[0] === 3 && k[1] === 3 && s[0] === 1 && s[1] === 1 && d[0] === 1 && d[1] === 1;
}

/**
 * The measured rule (CPU time of both algorithms on the UNet's and VAE's 3x3 shapes at batch 8, 2 threads,
 * see docs/benchmarks.md): with 16 or more input channels Winograd took 1.1-2.5x less (any output channel
 * count, images 4x4 to 64x64); with 3 to 12 it lost up to 2x or broke even, its input transform then
 * costing as much as the GEMMs it saves.
 */
function winogradPays(c: number): boolean {
  return c >= 16;
}

export function fastConv2dKernel(inputs: readonly TensorView[], attrs: KernelAttrs["conv2d"], out: OutputInfo): CpuStorage {
  const [x, w] = inputs as [TensorView, TensorView];
  if (out.dtype !== "float32") return conv2dKernel(inputs, attrs, out) as CpuStorage;
  const d = convDims(x, w, attrs, out);
  if (d.N * d.O * d.L === 0) return new CpuStorage(allocOutput("float32", 0, true));
  const [H, W] = [x.shape[2]!, x.shape[3]!];
  // an image whose transformed buffers exceed the chunk budget uses im2col + GEMM (which splits its GEMMs)
  const fits = winogradImageBytes(d.C, d.O, H, W, attrs.padding) <= WINOGRAD_CHUNK_BYTES;
  const wino = winogradApplies(attrs, out.dtype) && fits && (algorithm === "winograd" || (algorithm === "auto" && winogradPays(d.C)));
  return wino ? winogradConv(x, w, attrs, out) : gemmConv(x, w, attrs, out);
}

function winogradConv(x: TensorView, w: TensorView, attrs: KernelAttrs["conv2d"], out: OutputInfo): CpuStorage {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const O = w.shape[0]!;
  const u = packedWeight(w, "winograd-f2x2", winogradWeightSize(O, C), (buf) =>
    winogradWeightsF32({ data: dataOf(w) as Float32Array, offset: w.offset, shape: w.shape as [number, number, number, number], strides: w.strides as [number, number, number, number] }, buf),
  );
  try {
    const res = allocOutput("float32", out.shape.reduce((a, b) => a * b, 1), false) as Float32Array;
    conv3x3WinogradF32(
      { data: dataOf(x) as Float32Array, offset: x.offset, shape: [N, C, H, W], strides: x.strides as [number, number, number, number] },
      u.data,
      O,
      res,
      { padding: attrs.padding },
    );
    return new CpuStorage(res);
  } finally {
    u.release();
  }
}

function gemmConv(x: TensorView, w: TensorView, attrs: KernelAttrs["conv2d"], out: OutputInfo): CpuStorage {
  const d = convDims(x, w, attrs, out);
  const K = d.groups * d.Kg, og = d.O / d.groups;
  const cols = fastUnfoldKernel([x], attrs, { shape: [d.N, K, d.L], dtype: "float32" }).data as Float32Array;
  // the weight as a contiguous [O, Kg] matrix, kept in the kernel memory between calls
  const a = packedWeight(w, "gemm-rows", d.O * d.Kg, (buf) => {
    const src = dataOf(w) as Float32Array;
    const s = mergedStride(w.shape, w.strides, 1);
    const [so, sc, sh, sw] = w.strides as [number, number, number, number];
    const [, Cg, kh, kw] = w.shape as [number, number, number, number];
    for (let o = 0, p = 0; o < d.O; o++) {
      const base = w.offset + o * so;
      if (s === 1) buf.set(src.subarray(base, base + d.Kg), p), (p += d.Kg);
      else for (let c = 0; c < Cg; c++) for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) buf[p++] = src[base + c * sc + i * sh + j * sw]!;
    }
  });
  try {
    const res = allocOutput("float32", d.N * d.O * d.L, false) as Float32Array;
    matmulF32(
      { data: a.data, offset: 0, rowStride: d.Kg, colStride: 1, batchStrides: [0, og * d.Kg] },
      { data: cols, offset: 0, rowStride: d.L, colStride: 1, batchStrides: [K * d.L, d.Kg * d.L] },
      res,
      og,
      d.L,
      d.Kg,
      { batchShape: [d.N, d.groups] },
    );
    return new CpuStorage(res);
  } finally {
    a.release();
    recycleHost(cols);
  }
}
