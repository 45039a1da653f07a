/**
 * Device suite, part 5: convolution, pooling, interpolation and the nn ops, forward, against direct float64
 * references (loops over output positions, not im2col) on every available device.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as conv from "../src/ops/conv.js";
import * as nn from "../src/ops/nn.js";
import {
  avgPool1d,
  avgPool2d,
  bernoulli,
  biasActivation,
  cast,
  dispose,
  getBackend,
  mul,
  tidy,
  type Tensor,
  conv2d,
  crossEntropy,
  dropout,
  fold,
  groupNorm,
  interpolate,
  layerNorm,
  logSoftmax,
  mseLoss,
  randomKey,
  scaledDotProductAttention,
  softmax,
  tensor,
  unfold,
  type Device,
} from "../src/index.js";
import { bools, broadcastableTo, checkOp, expectTensor, floats, genInput, layoutInput, LAYOUTS, randomNd, opCoverage, prop, Rand, runsFor, seedArb, shapeArb, storeAs, testDevices, tolFor, type Input } from "./helpers.js";
import {
  alongAxis,
  avgPool2dRef,
  conv2dRef,
  crossEntropyRef,
  foldRef,
  groupNormRef,
  interpolateRef,
  layerNormRef,
  logSoftmaxLine,
  map,
  meanOf,
  Nd,
  sdpaRef,
  softmaxLine,
  sumOf,
  unaryRef,
  unfoldRef,
  zip,
  type WindowRef,
} from "./reference.js";

const devices = await testDevices();
const coverage = opCoverage([conv, nn]);
const layoutArb = fc.constantFrom(...LAYOUTS);
const F = "float32" as const;

/** A random valid 2-D window for an input of H x W (output at least 1 x 1). */
function randomWindow(r: Rand, H: number, W: number): WindowRef {
  for (;;) {
    const w: WindowRef = {
      kernel: [r.int(1, 3), r.int(1, 3)],
      stride: [r.int(1, 2), r.int(1, 2)],
      padding: [r.int(0, 2), r.int(0, 2)],
      dilation: [r.int(1, 2), r.int(1, 2)],
    };
    const ok = [0, 1].every((i) => (i === 0 ? H : W) + 2 * w.padding[i]! - w.dilation[i]! * (w.kernel[i]! - 1) - 1 >= 0);
    if (ok) return w;
  }
}

coverage.cover("conv2d", "unfold", "fold", "avgPool2d", "avgPool1d", "interpolate");
coverage.cover("softmax", "logSoftmax", "layerNorm", "groupNorm", "scaledDotProductAttention", "biasActivation", "dropout", "mseLoss", "crossEntropy");

describe.each(devices)("convolution and nn ops on %s", (device: Device) => {
  const runs = (n: number) => runsFor(device, n);
  const f32 = (input: Input) => ({ input, dtype: F });

  it("conv2d with stride, padding (numbers, 'same', 'valid'), dilation, groups and bias", async () => {
    await prop(
      fc.record({ seed: seedArb, lx: layoutArb, lw: layoutArb }),
      async ({ seed, lx, lw }) => {
        const r = new Rand(seed);
        const groups = r.int(1, 3);
        const [N, cg, og, H, W] = [r.int(1, 2), r.int(1, 2), r.int(1, 2), r.int(1, 6), r.int(1, 6)];
        const win = randomWindow(r, H, W);
        const mode = r.pick(["numbers", "numbers", "same", "valid"] as const);
        let padding: [number, number] = win.padding;
        let stride = win.stride;
        if (mode === "valid") padding = [0, 0];
        if (mode === "same") {
          stride = [1, 1];
          win.kernel = [r.pick([1, 3]), r.pick([1, 3])];
          padding = [(win.dilation[0] * (win.kernel[0] - 1)) / 2, (win.dilation[1] * (win.kernel[1] - 1)) / 2];
        }
        if ([0, 1].some((i) => (i === 0 ? H : W) + 2 * padding[i]! - win.dilation[i]! * (win.kernel[i]! - 1) - 1 < 0)) return;
        const x = genInput([N, groups * cg, H, W], r, floats(), lx);
        const w = genInput([groups * og, cg, ...win.kernel], r, floats(), lw);
        const b = r.bool() ? genInput([groups * og], r, floats(), "contiguous") : null;
        const want = conv2dRef(x.ref, w.ref, b?.ref ?? null, { stride, padding, dilation: win.dilation, groups });
        const opts = { stride, padding: mode === "numbers" ? padding : mode, dilation: win.dilation, groups };
        await checkOp(
          device,
          b ? [f32(x), f32(w), f32(b)] : [f32(x), f32(w)],
          (xx, ww, bb) => conv2d(xx, ww, bb, opts),
          want,
          F,
          tolFor(device, "accum"),
          `conv2d x [${x.ref.shape}] w [${w.ref.shape}] ${JSON.stringify(opts)} bias ${!!b}`,
        );
      },
      runs(30),
    );
  });

  it("unfold (im2col) and fold (col2im, summing overlaps)", async () => {
    await prop(
      fc.record({ seed: seedArb, layout: layoutArb }),
      async ({ seed, layout }) => {
        const r = new Rand(seed);
        const [N, C, H, W] = [r.int(1, 2), r.int(1, 3), r.int(1, 6), r.int(1, 6)];
        const win = randomWindow(r, H, W);
        const x = genInput([N, C, H, W], r, floats(), layout);
        await checkOp(device, [f32(x)], (t) => unfold(t, win.kernel, win), unfoldRef(x.ref, win), F, tolFor(device, "exact"), `unfold [${N},${C},${H},${W}] ${JSON.stringify(win)}`);
        const L = unfoldRef(x.ref, win).shape[2]!;
        const cols = genInput([N, C * win.kernel[0] * win.kernel[1], L], r, floats(), layout);
        await checkOp(device, [f32(cols)], (t) => fold(t, [H, W], win.kernel, win), foldRef(cols.ref, [H, W], win), F, tolFor(device, "accum"), `fold to [${H},${W}] ${JSON.stringify(win)}`);
      },
      runs(30),
    );
  });

  it("avgPool2d and avgPool1d with stride, padding and countIncludePad", async () => {
    await prop(
      fc.record({ seed: seedArb, layout: layoutArb }),
      async ({ seed, layout }) => {
        const r = new Rand(seed);
        const [N, C, H, W] = [r.int(1, 2), r.int(1, 3), r.int(1, 6), r.int(1, 6)];
        const k: [number, number] = [r.int(1, Math.min(3, H)), r.int(1, Math.min(3, W))];
        const s: [number, number] | undefined = r.bool() ? undefined : [r.int(1, 3), r.int(1, 3)];
        const p: [number, number] = [r.int(0, Math.floor(k[0] / 2)), r.int(0, Math.floor(k[1] / 2))];
        const cip = r.bool();
        const x = genInput([N, C, H, W], r, floats(), layout);
        const want = avgPool2dRef(x.ref, k, s ?? k, p, cip);
        await checkOp(device, [f32(x)], (t) => avgPool2d(t, k, { stride: s, padding: p, countIncludePad: cip }), want, F, tolFor(device, "accum"), `avgPool2d [${N},${C},${H},${W}] k ${k} s ${s} p ${p} cip ${cip}`);
        const x1 = genInput([N, C, W], r, floats(), layout);
        const want1 = avgPool2dRef(new Nd([N, C, 1, W], x1.ref.data), [1, k[1]], [1, s?.[1] ?? k[1]], [0, p[1]], cip);
        await checkOp(device, [f32(x1)], (t) => avgPool1d(t, k[1], { stride: s?.[1], padding: p[1], countIncludePad: cip }), new Nd([N, C, want1.shape[3]!], want1.data), F, tolFor(device, "accum"), "avgPool1d");
      },
      runs(30),
    );
  });

  it("interpolate: nearest and bilinear (alignCorners both ways), by size or scale factor", async () => {
    await prop(
      fc.record({ seed: seedArb, layout: layoutArb }),
      async ({ seed, layout }) => {
        const r = new Rand(seed);
        const [N, C, H, W] = [r.int(1, 2), r.int(1, 2), r.int(1, 5), r.int(1, 5)];
        const x = genInput([N, C, H, W], r, floats(), layout);
        const mode = r.pick(["nearest", "bilinear"] as const);
        const alignCorners = mode === "bilinear" && r.bool();
        let out: [number, number];
        let scale: [number, number];
        let opts: conv.InterpolateOptions;
        if (r.bool()) {
          out = [r.int(1, 8), r.int(1, 8)];
          scale = [H / out[0], W / out[1]];
          opts = { size: out, mode, alignCorners };
        } else {
          const f: [number, number] = [r.pick([1, 2, 3, 1.5]), r.pick([1, 2, 0.5, 2.5])];
          out = [Math.floor(H * f[0]), Math.floor(W * f[1])];
          if (out[0] < 1 || out[1] < 1) return;
          scale = [1 / f[0], 1 / f[1]];
          opts = { scaleFactor: f, mode, alignCorners };
        }
        const want = interpolateRef(x.ref, out, scale, mode, alignCorners);
        await checkOp(device, [f32(x)], (t) => interpolate(t, opts), want, F, tolFor(device, mode === "nearest" ? "exact" : "composite"), `interpolate [${H},${W}] ${JSON.stringify(opts)}`);
      },
      runs(30),
    );
  });

  it("softmax and logSoftmax along any axis", async () => {
    await prop(
      fc.record({ shape: shapeArb(1, 4), seed: seedArb, layout: layoutArb }),
      async ({ shape, seed, layout }) => {
        const r = new Rand(seed);
        const x = genInput(shape, r, floats(-8, 8), layout);
        const axis = r.int(-shape.length, shape.length - 1);
        await checkOp(device, [f32(x)], (t) => softmax(t, axis), alongAxis(x.ref, axis, softmaxLine), F, tolFor(device, "composite"), `softmax [${shape}] axis ${axis}`);
        await checkOp(device, [f32(x)], (t) => logSoftmax(t, axis), alongAxis(x.ref, axis, logSoftmaxLine), F, tolFor(device, "composite"), `logSoftmax [${shape}] axis ${axis}`);
      },
      runs(30),
    );
    const s = tensor(3, { device });
    await expectTensor(softmax(s), new Nd([], [1]), F, tolFor(device, "exact"), "softmax of a 0-d tensor");
    await expectTensor(logSoftmax(s, 0), new Nd([], [0]), F, tolFor(device, "exact"), "logSoftmax of a 0-d tensor");
    s.dispose();
  });

  it("layerNorm over trailing dims, with and without affine parameters", async () => {
    await prop(
      fc.record({ shape: shapeArb(1, 4), seed: seedArb, layout: layoutArb }),
      async ({ shape, seed, layout }) => {
        const r = new Rand(seed);
        const k = r.int(1, shape.length);
        const ns = shape.slice(shape.length - k);
        // (no "expanded" layout: a row of equal values has variance 0, and then the float32 rounding of its mean
        // is amplified by 1/sqrt(eps))
        const x = genInput(shape, r, floats(-3, 3), layout === "expanded" ? "strided" : layout);
        const w = r.bool() ? genInput(ns, r, floats(), "contiguous") : null;
        const b = r.bool() ? genInput(ns, r, floats(), "contiguous") : null;
        const eps = r.pick([1e-5, 1e-3]);
        const want = layerNormRef(x.ref, k, w?.ref ?? null, b?.ref ?? null, eps);
        const ins = [f32(x), ...(w ? [f32(w)] : []), ...(b ? [f32(b)] : [])];
        const asOptions = r.bool();
        await checkOp(
          device,
          ins,
          (t, ...p) => {
            const [weight, bias] = [w ? p[0] : null, b ? p[w ? 1 : 0] : null];
            return asOptions ? layerNorm(t, ns, { weight, bias, eps }) : layerNorm(t, ns, weight, bias, eps);
          },
          want,
          F,
          tolFor(device, "composite"),
          `layerNorm [${shape}] over [${ns}]${asOptions ? " (options)" : ""}`,
        );
      },
      runs(30),
    );
  });

  it("groupNorm of [N, C, ...] with per-channel affine parameters", async () => {
    await prop(
      fc.record({ seed: seedArb, layout: layoutArb, spatial: shapeArb(0, 2, 4) }),
      async ({ seed, layout, spatial }) => {
        const r = new Rand(seed);
        const groups = r.int(1, 3);
        const C = groups * r.int(1, 3);
        const shape = [r.int(1, 2), C, ...spatial];
        const x = genInput(shape, r, floats(-3, 3), layout === "expanded" ? "strided" : layout); // (see layerNorm)
        const w = r.bool() ? genInput([C], r, floats(), "contiguous") : null;
        const b = r.bool() ? genInput([C], r, floats(), "contiguous") : null;
        const activation = r.pick(["positional", "none", "silu"] as const);
        const eps = r.pick([1e-5, 1e-6]);
        const normed = groupNormRef(x.ref, groups, w?.ref ?? null, b?.ref ?? null, eps);
        const want = activation === "silu" ? map(normed, unaryRef.silu!) : normed;
        const ins = [f32(x), ...(w ? [f32(w)] : []), ...(b ? [f32(b)] : [])];
        await checkOp(
          device,
          ins,
          (t, ...p) => {
            const [weight, bias] = [w ? p[0] : null, b ? p[w ? 1 : 0] : null];
            return activation === "positional" ? groupNorm(t, groups, weight, bias, eps) : groupNorm(t, groups, { weight, bias, eps, activation });
          },
          want,
          F,
          tolFor(device, "composite"),
          `groupNorm [${shape}] groups ${groups} ${activation}`,
        );
      },
      runs(30),
    );
  });

  it("scaledDotProductAttention with boolean or additive masks, causal, custom scale", async () => {
    await prop(
      fc.record({ seed: seedArb, batch: shapeArb(0, 2, 3), lq: layoutArb, lk: layoutArb, lv: layoutArb }),
      async ({ seed, batch, lq, lk, lv }) => {
        const r = new Rand(seed);
        const [Lq, Lk, D, Dv] = [r.int(1, 5), r.int(1, 5), r.int(1, 4), r.int(1, 4)];
        const q = genInput([...batch, Lq, D], r, floats(), lq);
        const k = genInput([...broadcastableTo(batch, r, 0.3), Lk, D], r, floats(), lk);
        const v = genInput([...k.ref.shape.slice(0, -2), Lk, Dv], r, floats(), lv);
        const maskKind = r.pick(["none", "bool", "float"] as const);
        const causal = r.bool(0.4);
        const scale = r.bool() ? undefined : r.uniform(0.2, 1.5);
        let mask: Input | null = null;
        const mshape = broadcastableTo([...batch, Lq, Lk], r, 0.4);
        if (maskKind === "bool") {
          // keep column 0 so that no row is fully masked
          const mref = randomNd(mshape, r, bools);
          const last = mshape.length ? mshape[mshape.length - 1]! : 1;
          for (let i = 0; i < mref.size; i += last) mref.data[i] = 1;
          mask = layoutInput(mref, r, "contiguous");
        } else if (maskKind === "float") mask = genInput(mshape, r, floats(-2, 0), "contiguous");
        const want = sdpaRef(q.ref, k.ref, v.ref, { mask: mask?.ref ?? null, maskIsBool: maskKind === "bool", causal, scale });
        const ins = [f32(q), f32(k), f32(v), ...(mask ? [{ input: mask, dtype: maskKind === "bool" ? ("bool" as const) : F }] : [])];
        await checkOp(
          device,
          ins,
          (qq, kk, vv, mm) => scaledDotProductAttention(qq, kk, vv, { mask: mm ?? null, isCausal: causal, scale }),
          want,
          F,
          tolFor(device, "composite"),
          `sdpa q [${q.ref.shape}] k [${k.ref.shape}] mask ${maskKind} [${mshape}] causal ${causal}`,
        );
      },
      runs(30),
    );
  });

  it("scaledDotProductAttention over many key tiles and query blocks (Lq, Lk > tile sizes)", async () => {
    await prop(
      fc.record({ seed: seedArb, lq: layoutArb, lk: layoutArb }),
      async ({ seed, lq, lk }) => {
        const r = new Rand(seed);
        const [B, Lq, Lk, D, Dv] = [r.int(1, 2), r.int(60, 140), r.int(30, 100), r.int(1, 40), r.int(1, 40)];
        const q = genInput([B, Lq, D], r, floats(), lq);
        const k = genInput([B, Lk, D], r, floats(), lk);
        const v = genInput([B, Lk, Dv], r, floats(), "contiguous");
        const causal = r.bool();
        const maskKind = r.pick(["none", "float"] as const);
        const mask = maskKind === "float" ? genInput([Lq, Lk], r, floats(-3, 0), "contiguous") : null;
        const want = sdpaRef(q.ref, k.ref, v.ref, { mask: mask?.ref ?? null, causal });
        const ins = [f32(q), f32(k), f32(v), ...(mask ? [f32(mask)] : [])];
        await checkOp(device, ins, (qq, kk, vv, mm) => scaledDotProductAttention(qq, kk, vv, { mask: mm ?? null, isCausal: causal }), want, F, tolFor(device, "composite"), `sdpa [${B},${Lq},${D}] Lk ${Lk} Dv ${Dv} causal ${causal} mask ${maskKind}`);
      },
      runs(8),
    );
  });

  it("scaledDotProductAttention: a query row with no visible key is NaN (as the unfused softmax), others unaffected", async () => {
    const q = tensor([[1, 0], [0, 1]], { device });
    const k = tensor([[1, 1], [2, 0]], { device });
    const v = tensor([[1, 2], [3, 4]], { device });
    const mask = tensor([[false, false], [true, false]], { device, dtype: "bool" });
    const out = await scaledDotProductAttention(q, k, v, { mask }).data();
    expect(Array.from(out.slice(0, 2)).every(Number.isNaN)).toBe(true);
    expect(Array.from(out.slice(2))).toEqual([1, 2]);
    [q, k, v, mask].forEach((t) => t.dispose());
  });

  it("biasActivation: act(x + bias) over the last axis for every activation", async () => {
    await prop(
      fc.record({ shape: shapeArb(1, 4), seed: seedArb, layout: layoutArb }),
      async ({ shape, seed, layout }) => {
        const r = new Rand(seed);
        const act = r.pick(["none", "relu", "gelu", "geluTanh", "quickGelu", "silu"] as const);
        const x = genInput(shape, r, floats(-4, 4), layout);
        const b = genInput([shape[shape.length - 1]!], r, floats(), r.pick(["contiguous", "flipped", "strided"] as const));
        const f = act === "none" ? (t: number) => t : unaryRef[act]!;
        const want = zip(x.ref, b.ref, (u, w) => f(u + w));
        await checkOp(device, [f32(x), f32(b)], (t, bb) => biasActivation(t, bb, act), want, F, tolFor(device, "transcendental"), `biasActivation [${shape}] ${act}`);
      },
      runs(30),
    );
  });

  // float16 storage: on the CPU (half bits, computed in float32 per kernel) and on WebGPU with shader-f16
  const half = getBackend(device).supports("float16");
  if (!half) console.warn(`Skipping the float16 fused-kernel test: the ${device} backend lacks float16 (WebGPU needs shader-f16)`);
  it.skipIf(!half)("float16 storage: fused layerNorm, groupNorm + SiLU, attention and biasActivation match float32", async () => {
    const r = new Rand(11);
    // values on a 1/256 grid in [-4, 4]: exact in float16, so only the f16 rounding of results differs
    const grid = (shape: number[]) => tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => Math.round(r.uniform(-4, 4) * 256) / 256), { shape, device });
    const [x, w, b] = [grid([6, 70]), grid([70]), grid([70])];
    const [img, cw, cb] = [grid([2, 8, 5, 5]), grid([8]), grid([8])];
    const [q, k, v] = [grid([2, 70, 24]), grid([2, 40, 24]), grid([2, 40, 16])];
    const cases: [string, (h: (t: Tensor) => Tensor) => Tensor][] = [
      ["layerNorm", (h) => layerNorm(h(x), [70], h(w), h(b))],
      ["groupNorm + silu", (h) => groupNorm(h(img), 4, { weight: h(cw), bias: h(cb), activation: "silu" })],
      ["attention (causal)", (h) => scaledDotProductAttention(h(mul(q, 0.25)), h(mul(k, 0.25)), h(v), { isCausal: true })],
      ["biasActivation gelu", (h) => biasActivation(h(x), h(b), "gelu")],
    ];
    for (const [name, f] of cases) {
      const full = await f((t) => t).data();
      const halfOut = await tidy(() => cast(f((t) => cast(t, "float16")), "float32")).data();
      const worst = Math.max(...Array.from(full, (u, i) => Math.abs(u - halfOut[i]!) / (1e-2 + 1e-2 * Math.abs(u))));
      expect(worst, `${name}: float16 vs float32`).toBeLessThanOrEqual(1);
    }
    dispose([x, w, b, img, cw, cb, q, k, v]);
  });

  it("dropout: keyed, inverted scaling, identity when not training or p = 0", async () => {
    await prop(
      fc.record({ shape: shapeArb(1, 3, 5), seed: seedArb, layout: layoutArb, p: fc.constantFrom(0, 0.25, 0.5, 0.9) }),
      async ({ shape, seed, layout, p }) => {
        const r = new Rand(seed);
        const x = genInput(shape, r, floats(), layout);
        const key = randomKey(seed);
        const keep = p === 0 ? null : bernoulli(key, 1 - p, shape, { device });
        const keepData = keep ? await keep.data() : null;
        keep?.dispose();
        const want = keepData ? new Nd(shape, Array.from(x.ref.data, (v, i) => (keepData[i] ? v / (1 - p) : 0))) : x.ref;
        await checkOp(device, [f32(x)], (t) => dropout(t, p, key), storeAs(want, F), F, tolFor(device, "basic"), `dropout p=${p}`);
        await checkOp(device, [f32(x)], (t) => dropout(t, p, key, false), x.ref, F, tolFor(device, "exact"), "dropout (eval)");
      },
      runs(15),
    );
    const big = tensor(new Float32Array(4000).fill(1), { device });
    const d = await dropout(big, 0.3, randomKey(7)).data();
    const kept = d.filter((v) => v !== 0).length / d.length;
    expect(Math.abs(kept - 0.7)).toBeLessThan(0.05);
    expect(d.every((v) => v === 0 || Math.abs(v - 1 / 0.7) < 1e-6)).toBe(true);
    big.dispose();
  });

  it("mseLoss with mean, sum and none", async () => {
    await prop(
      fc.record({ shape: shapeArb(0, 4), seed: seedArb, la: layoutArb, lb: layoutArb }),
      async ({ shape, seed, la, lb }) => {
        const r = new Rand(seed);
        const a = genInput(shape, r, floats(), la);
        const b = genInput(shape, r, floats(), lb);
        const sq = zip(a.ref, b.ref, (x, y) => (x - y) ** 2);
        const vals = Array.from(sq.data);
        await checkOp(device, [f32(a), f32(b)], (x, y) => mseLoss(x, y), new Nd([], [meanOf(vals)]), F, tolFor(device, "accum"), "mse mean");
        await checkOp(device, [f32(a), f32(b)], (x, y) => mseLoss(x, y, "sum"), new Nd([], [sumOf(vals)]), F, tolFor(device, "accum"), "mse sum");
        await checkOp(device, [f32(a), f32(b)], (x, y) => mseLoss(x, y, "none"), sq, F, tolFor(device, "accum"), "mse none");
      },
      runs(20),
    );
  });

  it("crossEntropy: class indices or probabilities, label smoothing, ignoreIndex, reductions, spatial dims", async () => {
    await prop(
      fc.record({ seed: seedArb, layout: layoutArb, rank: fc.integer({ min: 1, max: 4 }) }),
      async ({ seed, layout, rank }) => {
        const r = new Rand(seed);
        const C = r.int(1, 5);
        const shape = rank === 1 ? [C] : [r.int(1, 3), C, ...Array.from({ length: rank - 2 }, () => r.int(1, 3))];
        const tshape = shape.filter((_, i) => i !== (rank === 1 ? 0 : 1));
        const logits = genInput(shape, r, floats(-4, 4), layout);
        const probs = r.bool();
        const reduction = r.pick(["mean", "sum", "none"] as const);
        const labelSmoothing = r.pick([0, 0, 0.1, 0.3]);
        let target: Input;
        let ignoreIndex: number | undefined;
        if (probs) {
          const raw = genInput(shape, r, floats(0.05, 1), "contiguous");
          const axis = rank === 1 ? 0 : 1;
          target = raw.withValues(alongAxis(raw.ref, axis, (line) => line.map((v) => v / sumOf(line))));
        } else {
          ignoreIndex = r.bool() ? r.pick([-100, 0]) : undefined;
          target = genInput(tshape, r, (rr) => (ignoreIndex !== undefined && rr.bool(0.3) ? ignoreIndex : rr.int(0, C - 1)), "contiguous");
          // with reduction mean, at least one target must count
          if (ignoreIndex !== undefined && reduction === "mean" && target.ref.data.every((v) => v === ignoreIndex)) return;
        }
        const want = crossEntropyRef(logits.ref, target.ref, { probs, reduction, labelSmoothing, ignoreIndex });
        await checkOp(
          device,
          [f32(logits), { input: target, dtype: probs ? F : "int32" }],
          (l, t) => crossEntropy(l, t, { reduction, labelSmoothing, ignoreIndex }),
          want,
          F,
          tolFor(device, "composite"),
          `crossEntropy [${shape}] ${probs ? "probs" : "indices"} ${reduction} smoothing ${labelSmoothing} ignore ${ignoreIndex}`,
        );
      },
      runs(40),
    );
  });
});

describe("coverage", () => {
  it("every op function exported by ops/conv.ts and ops/nn.ts has a forward test", () => {
    expect(coverage.missing()).toEqual([]);
    expect(coverage.unknown()).toEqual([]);
  });
});
