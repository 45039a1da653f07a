/**
 * The cases of the CPU benchmark, in three parts that run separately (`--cases matmul,conv,block`):
 * square f32 matmuls, conv2d (forward, input gradient, weight gradient) at ViT patch-embedding and UNet
 * shapes, and one forward + backward step of a ViT-B/16 transformer block. Every case knows its FLOP count
 * and holds its inputs as host arrays that every in-process contender receives (PyTorch draws its own
 * inputs of the same shapes).
 */
import { VIT_B16_BLOCK, blockFlops, blockParamShapes, type BlockShape } from "./block-shape.js";

/** The parts of the benchmark. */
export type Part = "matmul" | "conv" | "block";

/** Fields every case has. */
interface CaseBase {
  /** Column label in the tables. */
  column: string;
  /** FLOPs of one run (2 per multiply-add). */
  flops: number;
}

/** f32 n x n @ n x n. */
export interface MatmulCase extends CaseBase {
  part: "matmul";
  n: number;
  a: Float32Array;
  b: Float32Array;
}

/** A conv2d shape (NCHW input, OIHW weight, no bias, dilation 1, groups 1). */
export interface ConvShape {
  /** Short name used in column labels. */
  name: string;
  /** Where the shape comes from. */
  origin: string;
  x: [number, number, number, number];
  w: [number, number, number, number];
  stride: number;
  pad: number;
}

/** Which pass of a convolution is timed. */
export type ConvPass = "forward" | "input-grad" | "weight-grad";

/** One pass of one conv2d shape; `dy` has the output's shape. */
export interface ConvCase extends CaseBase {
  part: "conv";
  shape: ConvShape;
  pass: ConvPass;
  /** Output shape [N, O, oh, ow]. */
  out: [number, number, number, number];
  x: Float32Array;
  w: Float32Array;
  dy: Float32Array;
}

/** One forward + backward step of the transformer block. */
export interface BlockCase extends CaseBase {
  part: "block";
  shape: BlockShape;
  x: Float32Array;
  /** Parameters by name (see `blockParamShapes`). */
  params: Record<string, Float32Array>;
}

/** Any case. */
export type BenchCase = MatmulCase | ConvCase | BlockCase;

/** Uniform values in [-scale/2, scale/2) from a linear congruential generator (deterministic). */
export function randomArray(n: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < out.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 4294967296 - 0.5) * scale;
  }
  return out;
}

const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** The matmul cases. */
export function matmulCases(sizes: readonly number[]): MatmulCase[] {
  return sizes.map((n) => ({ part: "matmul", column: String(n), n, flops: 2 * n ** 3, a: randomArray(n * n, 1), b: randomArray(n * n, 2) }));
}

/**
 * The conv2d shapes: ViT-B/16 patch embedding at batch 8, and the three UNet (Stable Diffusion 1.x) 3x3
 * convolutions at their full widths for a 512x512 image (latent 64x64), batch 1 (each pass about 2-8 GFLOP,
 * a fraction of a second on two cores); and two 3x3 convolutions of the DIVA-step configuration (DESIGN.md
 * section 8), where Winograd applies.
 */
export const CONV_SHAPES: readonly ConvShape[] = [
  { name: "vit", origin: "ViT-B/16 patch embedding, batch 8", x: [8, 3, 224, 224], w: [768, 3, 16, 16], stride: 16, pad: 0 },
  { name: "u320", origin: "UNet down block 1 (320 ch, 64x64)", x: [1, 320, 64, 64], w: [320, 320, 3, 3], stride: 1, pad: 1 },
  { name: "u640", origin: "UNet down block 2 (640 ch, 32x32)", x: [1, 640, 32, 32], w: [640, 640, 3, 3], stride: 1, pad: 1 },
  { name: "u1280", origin: "UNet down block 3 (1280 ch, 16x16)", x: [1, 1280, 16, 16], w: [1280, 1280, 3, 3], stride: 1, pad: 1 },
  { name: "dvae", origin: "DIVA-step VAE encoder block 1 (32 ch, 64x64, batch 8)", x: [8, 32, 64, 64], w: [32, 32, 3, 3], stride: 1, pad: 1 },
  { name: "dunet", origin: "DIVA-step UNet down block 2 (128 ch, 8x8, batch 8)", x: [8, 128, 8, 8], w: [128, 128, 3, 3], stride: 1, pad: 1 },
];

/** Output shape of a conv2d shape. */
export function convOut(s: ConvShape): [number, number, number, number] {
  const o = (d: number, k: number): number => Math.floor((d + 2 * s.pad - k) / s.stride) + 1;
  return [s.x[0], s.w[0], o(s.x[2], s.w[2]), o(s.x[3], s.w[3])];
}

const PASS_LABEL: Record<ConvPass, string> = { forward: "fwd", "input-grad": "dx", "weight-grad": "dw" };

/** The conv cases: every pass of every shape whose name is in `names` (all when undefined). */
export function convCases(names?: readonly string[]): ConvCase[] {
  const out: ConvCase[] = [];
  for (const shape of CONV_SHAPES) {
    if (names && !names.includes(shape.name)) continue;
    const y = convOut(shape);
    const flops = 2 * size(y) * shape.w[1] * shape.w[2] * shape.w[3];
    const x = randomArray(size(shape.x), 11), w = randomArray(size(shape.w), 12, 0.1), dy = randomArray(size(y), 13);
    for (const pass of ["forward", "input-grad", "weight-grad"] as const) {
      out.push({ part: "conv", column: `${shape.name} ${PASS_LABEL[pass]}`, shape, pass, out: y, flops, x, w, dy });
    }
  }
  return out;
}

/** The block case (LayerNorm weights 1 + noise, other parameters small). */
export function blockCases(shape: BlockShape = VIT_B16_BLOCK): BlockCase[] {
  const params: Record<string, Float32Array> = {};
  let seed = 20;
  for (const [name, s] of Object.entries(blockParamShapes(shape))) {
    const isNormWeight = name.startsWith("ln") && name.endsWith("_w");
    const p = randomArray(size(s), seed++, isNormWeight ? 0.1 : 0.05);
    if (isNormWeight) for (let i = 0; i < p.length; i++) p[i]! += 1;
    params[name] = p;
  }
  const x = randomArray(shape.batch * shape.tokens * shape.width, 21);
  return [{ part: "block", column: "fwd+bwd", shape, flops: blockFlops(shape), x, params }];
}
