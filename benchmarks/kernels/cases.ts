/**
 * The kernel benchmark's cases: matmul (square and transformer shapes), conv2d at UNet-like shapes,
 * attention, layer norm and softmax. Each case knows its FLOP count (nominal for the memory-bound ops)
 * and its inputs, which every contender receives as the same host arrays.
 */

/** Batched matmul [batch, m, k] @ [batch, k, n] (batch 1 means plain 2-D operands). */
export interface MatmulCase {
  readonly kind: "matmul";
  readonly batch: number;
  readonly m: number;
  readonly k: number;
  readonly n: number;
}

/** conv2d, stride 1, "same" padding: x [n, c, h, w] (NCHW), weight [o, c, kh, kw]. */
export interface Conv2dCase {
  readonly kind: "conv2d";
  readonly n: number;
  readonly c: number;
  readonly h: number;
  readonly w: number;
  readonly o: number;
  readonly kernel: number;
}

/** Scaled dot-product attention: q [b, heads, lq, d], k and v [b, heads, lk, d]. */
export interface AttentionCase {
  readonly kind: "attention";
  readonly b: number;
  readonly heads: number;
  readonly lq: number;
  readonly lk: number;
  readonly d: number;
}

/** Layer norm or softmax over the last axis of [rows, cols]. */
export interface RowCase {
  readonly kind: "layerNorm" | "softmax";
  readonly rows: number;
  readonly cols: number;
}

/** The shape part of a case. */
export type CaseShape = MatmulCase | Conv2dCase | AttentionCase | RowCase;

/** A benchmark case: its shape, a label, where it comes from, and whether `--quick` runs it. */
export type BenchCase = CaseShape & {
  /** Row label, e.g. "matmul 1576x768 @ 768x3072". */
  readonly label: string;
  /** Where the shape comes from ("ViT-B/16 MLP, batch 8"). */
  readonly origin: string;
  /** Part of the `--quick` run. */
  readonly quick: boolean;
};

/** Nominal FLOPs per element: layer norm (mean, variance, normalise, scale, shift) and softmax (max, exp, sum, divide). */
export const NOMINAL_FLOPS = { layerNorm: 8, softmax: 5 } as const;

/** Floating-point operations of one run of `c` (2 per multiply-add; nominal counts for layer norm and softmax). */
export function flopsOf(c: CaseShape): number {
  switch (c.kind) {
    case "matmul":
      return 2 * c.batch * c.m * c.k * c.n;
    case "conv2d":
      return 2 * c.n * c.o * c.c * c.kernel * c.kernel * c.h * c.w;
    case "attention":
      return 4 * c.b * c.heads * c.lq * c.lk * c.d;
    case "layerNorm":
    case "softmax":
      return NOMINAL_FLOPS[c.kind] * c.rows * c.cols;
  }
}

/** Shapes of the case's inputs, in the order contenders receive them (layouts as named on each case type). */
export function inputShapes(c: CaseShape): number[][] {
  switch (c.kind) {
    case "matmul":
      return c.batch === 1 ? [[c.m, c.k], [c.k, c.n]] : [[c.batch, c.m, c.k], [c.batch, c.k, c.n]];
    case "conv2d":
      return [[c.n, c.c, c.h, c.w], [c.o, c.c, c.kernel, c.kernel]];
    case "attention":
      return [[c.b, c.heads, c.lq, c.d], [c.b, c.heads, c.lk, c.d], [c.b, c.heads, c.lk, c.d]];
    case "layerNorm":
      return [[c.rows, c.cols], [c.cols], [c.cols]];
    case "softmax":
      return [[c.rows, c.cols]];
  }
}

/** Deterministic inputs for a case: uniform in [-1, 1) from a simple LCG, scaled by 1/sqrt(fan-in) for weights. */
export function makeInputs(c: CaseShape, seed = 1): Float32Array[] {
  let s = seed >>> 0;
  return inputShapes(c).map((shape) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      out[i] = s / 2 ** 31 - 1;
    }
    return out;
  });
}

const mm = (m: number, k: number, n: number, origin: string, quick: boolean, batch = 1): BenchCase => ({
  kind: "matmul",
  batch,
  m,
  k,
  n,
  label: `matmul ${batch > 1 ? `${batch}x` : ""}${m}x${k} @ ${k}x${n}`,
  origin,
  quick,
});

const conv = (n: number, c: number, hw: number, o: number, origin: string, quick: boolean): BenchCase => ({
  kind: "conv2d",
  n,
  c,
  h: hw,
  w: hw,
  o,
  kernel: 3,
  label: `conv2d 3x3 [${n},${c},${hw},${hw}] -> ${o}`,
  origin,
  quick,
});

const attn = (b: number, heads: number, lq: number, lk: number, d: number, origin: string, quick: boolean): BenchCase => ({
  kind: "attention",
  b,
  heads,
  lq,
  lk,
  d,
  label: `attention b${b} h${heads} ${lq}x${lk} d${d}`,
  origin,
  quick,
});

const rows = (kind: "layerNorm" | "softmax", r: number, cols: number, origin: string, quick: boolean): BenchCase => ({
  kind,
  rows: r,
  cols,
  label: `${kind} [${r},${cols}]`,
  origin,
  quick,
});

/** All cases, in table order. */
export const CASES: readonly BenchCase[] = [
  mm(256, 256, 256, "square", true),
  mm(512, 512, 512, "square", true),
  mm(1024, 1024, 1024, "square", true),
  mm(2048, 2048, 2048, "square", false),
  mm(8 * 197, 768, 2304, "ViT-B/16 qkv projection, batch 8", false),
  mm(8 * 197, 768, 3072, "ViT-B/16 MLP up, batch 8", false),
  mm(8 * 197, 3072, 768, "ViT-B/16 MLP down, batch 8", false),
  mm(2 * 197, 768, 3072, "ViT-B/16 MLP up, batch 2", true),
  mm(197, 64, 197, "ViT-B/16 attention scores, 8 x 12 heads", false, 96),
  conv(8, 64, 16, 64, "UNet of DESIGN.md section 8, level 0", true),
  conv(8, 128, 8, 128, "UNet of DESIGN.md section 8, level 1", true),
  conv(1, 4, 64, 320, "SD-2.1 conv_in, 512 px", false),
  conv(1, 320, 32, 320, "SD-2.1 level 0 channels at 32x32", true),
  conv(1, 320, 64, 320, "SD-2.1 level 0 resnet, 512 px", false),
  conv(1, 640, 32, 640, "SD-2.1 level 1 resnet, 512 px", false),
  conv(1, 1280, 16, 1280, "SD-2.1 level 2 resnet, 512 px", false),
  attn(2, 12, 197, 197, 64, "ViT-B/16 self-attention, batch 2", true),
  attn(8, 12, 197, 197, 64, "ViT-B/16 self-attention, batch 8", false),
  attn(1, 10, 1024, 1024, 64, "SD-2.1 self-attention at 32x32 latents", false),
  attn(2, 10, 1024, 77, 64, "SD-2.1 cross-attention at 32x32 latents", true),
  rows("layerNorm", 2 * 197, 768, "ViT-B/16, batch 2", true),
  rows("layerNorm", 8 * 197, 768, "ViT-B/16, batch 8", false),
  rows("layerNorm", 4096, 320, "SD-2.1 transformer at 64x64 latents", false),
  rows("softmax", 2 * 12 * 197, 197, "ViT-B/16 attention, batch 2", true),
  rows("softmax", 8 * 12 * 197, 197, "ViT-B/16 attention, batch 8", false),
  rows("softmax", 10 * 1024, 1024, "SD-2.1 self-attention at 32x32 latents", false),
];
