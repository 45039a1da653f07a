import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { concat, normal, randomKey, splitKey, tensor, tidy, type Tensor } from "@diva/tensor";
import {
  applyDiffusersAttention,
  applyFeedForward,
  applyFusedAttention,
  applyGeglu,
  applyLinear,
  applyMlp,
  applyQkvAttention,
  applySeparateAttention,
  countParams,
  fusedAttentionSpecs,
  initFromSpecs,
  initFusedAttention,
  initLinear,
  linearSpecs,
  resampleMatrix,
  validateParams,
  formatParamReport,
  feedForwardSpecs,
  initFeedForward,
  conv2dSpecs,
} from "../src/index.js";

const here = dirname(fileURLToPath(import.meta.url));

function maxDiff(a: Tensor, b: Tensor): number {
  const x = a.dataSync();
  const y = b.dataSync();
  expect(a.shape).toEqual(b.shape);
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(Number(x[i]) - Number(y[i])));
  return m;
}

describe("resampleMatrix matches torch.nn.functional.interpolate", () => {
  const { cases } = JSON.parse(readFileSync(join(here, "fixtures/interpolate_cases.json"), "utf-8")) as {
    cases: { in: number; out: number; mode: "bilinear" | "bicubic"; antialias: boolean; align_corners: boolean; matrix: number[][] }[];
  };
  it(`${cases.length} cases (bilinear/bicubic, antialias, align_corners, up and down)`, () => {
    for (const c of cases) {
      const m = resampleMatrix(c.in, c.out, { mode: c.mode, antialias: c.antialias, alignCorners: c.align_corners });
      let err = 0;
      for (let o = 0; o < c.out; o++) for (let i = 0; i < c.in; i++) err = Math.max(err, Math.abs(m[o * c.in + i]! - c.matrix[o]![i]!));
      expect(err, JSON.stringify({ ...c, matrix: undefined })).toBeLessThan(1e-6);
    }
  });
});

describe("attention layouts", () => {
  const [k1, k2] = splitKey(randomKey(3), 2);
  const x = normal(k1!, [2, 5, 8]);
  const ctx = normal(k2!, [2, 3, 8]);
  const fused = initFusedAttention(randomKey(1), { embed_dim: 8, num_heads: 2 });
  const part = (t: Tensor, i: number) => tensor(Array.from(t.dataSync()).slice(i * (t.size / 3), (i + 1) * (t.size / 3))).reshape(t.rank === 2 ? [8, 8] : [8]);
  const lin = (i: number) => ({ weight: part(fused.in_proj_weight, i), bias: part(fused.in_proj_bias!, i) });

  it("fused in_proj, HF q/k/v, diffusers to_q/k/v and timm qkv agree", () => {
    const a = applyFusedAttention(fused, x, { num_heads: 2 });
    const b = applySeparateAttention({ q_proj: lin(0), k_proj: lin(1), v_proj: lin(2), out_proj: fused.out_proj }, x, { num_heads: 2 });
    const c = applyDiffusersAttention({ to_q: lin(0), to_k: lin(1), to_v: lin(2), to_out: [fused.out_proj] }, x, { heads: 2 });
    const d = applyQkvAttention({ qkv: { weight: fused.in_proj_weight, bias: fused.in_proj_bias! }, proj: fused.out_proj }, x, { num_heads: 2 });
    expect(maxDiff(a, b)).toBeLessThan(1e-6);
    expect(maxDiff(a, c)).toBeLessThan(1e-6);
    expect(maxDiff(a, d)).toBeLessThan(1e-6);
  });

  it("cross-attention through the fused weights equals separate projections", () => {
    const a = applyFusedAttention(fused, x, { num_heads: 2 }, { context: ctx });
    const b = applySeparateAttention({ q_proj: lin(0), k_proj: lin(1), v_proj: lin(2), out_proj: fused.out_proj }, x, { num_heads: 2 }, { context: ctx });
    expect(a.shape).toEqual([2, 5, 8]);
    expect(maxDiff(a, b)).toBeLessThan(1e-6);
  });

  it("causal attention: the first query only sees the first key", () => {
    const y = applyFusedAttention(fused, x, { num_heads: 2 }, { isCausal: true });
    const first = applyFusedAttention(fused, x.slice([null, [0, 1]]), { num_heads: 2 });
    expect(maxDiff(y.slice([null, [0, 1]]), first)).toBeLessThan(1e-6);
  });
});

describe("MLP, GEGLU, FeedForward", () => {
  it("applies c_fc/c_proj and fc1/fc2 namings identically", () => {
    const a = initLinear(randomKey(1), { in_features: 4, out_features: 6 });
    const b = initLinear(randomKey(2), { in_features: 6, out_features: 4 });
    const x = normal(randomKey(3), [3, 4]);
    expect(maxDiff(applyMlp({ c_fc: a, c_proj: b }, x, "quick_gelu"), applyMlp({ fc1: a, fc2: b }, x, "quick_gelu"))).toBe(0);
  });

  it("GEGLU gates the first half with GELU of the second; FeedForward names net.0.proj and net.2", () => {
    const proj = { weight: tensor([[1, 0], [0, 1], [1, 1], [0, 0]]), bias: tensor([0, 0, 0, 0]) };
    const y = applyGeglu({ proj }, tensor([[2, -1]])).dataSync();
    const gelu = (v: number) => 0.5 * v * (1 + erf(v / Math.SQRT2));
    expect(y[0]).toBeCloseTo(2 * gelu(1), 5);
    expect(y[1]).toBeCloseTo(-1 * gelu(0), 5);
    expect(Object.keys(feedForwardSpecs({ dim: 4, mult: 2 }))).toEqual(["net.0.proj.weight", "net.0.proj.bias", "net.2.weight", "net.2.bias"]);
    const ff = initFeedForward(randomKey(0), { dim: 4, mult: 2 });
    expect(applyFeedForward(ff, normal(randomKey(1), [2, 3, 4])).shape).toEqual([2, 3, 4]);
  });
});

function erf(x: number): number {
  // Abramowitz-Stegun 7.1.26 is too coarse; integrate instead (x small here)
  let s = 0;
  const n = 2000;
  for (let i = 0; i < n; i++) {
    const t = ((i + 0.5) / n) * x;
    s += Math.exp(-t * t);
  }
  return (2 / Math.sqrt(Math.PI)) * s * (x / n);
}

describe("specs: init and validation", () => {
  it("torch default init bounds and shapes", () => {
    const p = initLinear(randomKey(0), { in_features: 100, out_features: 7 });
    expect(p.weight.shape).toEqual([7, 100]);
    const w = p.weight.dataSync();
    expect(Math.max(...Array.from(w).map(Math.abs))).toBeLessThanOrEqual(0.1);
    expect(countParams(conv2dSpecs({ in_channels: 4, out_channels: 8, kernel_size: 3, groups: 2 }))).toBe(8 * 2 * 9 + 8);
    const a = fusedAttentionSpecs({ embed_dim: 8, num_heads: 2 });
    expect(Object.keys(a)).toEqual(["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"]);
    expect(a.in_proj_bias!.init.kind).toBe("zeros");
  });

  it("the same key gives the same parameters", () => {
    const s = linearSpecs({ in_features: 3, out_features: 2 });
    const a = initFromSpecs<{ weight: Tensor }>(randomKey(5), s);
    const b = initFromSpecs<{ weight: Tensor }>(randomKey(5), s);
    expect(maxDiff(a.weight, b.weight)).toBe(0);
  });

  it("reports missing, unexpected and mis-shaped keys by name", () => {
    const s = linearSpecs({ in_features: 3, out_features: 2 });
    const r = validateParams({ weight: tensor([[1, 2], [3, 4]]), extra: tensor([1]) }, s);
    expect(r.missing).toEqual(["bias"]);
    expect(r.unexpected).toEqual(["extra"]);
    expect(r.mismatched).toEqual([{ name: "weight", expected: [2, 3], actual: [2, 2] }]);
    const text = formatParamReport(r);
    expect(text).toContain('"weight" has shape [2, 2], the model expects [2, 3]');
    expect(text).toContain("missing key(s): bias");
  });

  it("tidy keeps results and frees intermediates of a linear", () => {
    const p = initLinear(randomKey(0), { in_features: 3, out_features: 2 });
    const x = normal(randomKey(1), [4, 3]);
    const y = tidy(() => applyLinear(p, concat([x, x], 0)));
    expect(y.shape).toEqual([8, 2]);
  });
});
