/**
 * float16 storage on the CPU backend (read f16, compute f32 per kernel) and mixed float16/float32 operands of
 * matmul and conv2d: a float16 weight gives exactly what its float32 widening gives (the kernels compute the
 * same float32 numbers), at half the stored bytes, without a float32 copy of the weight on the tape.
 */
import { describe, expect, it } from "vitest";
import {
  cast,
  conv2d,
  dispose,
  grad,
  groupNorm,
  layerNorm,
  linear,
  matmul,
  memory,
  readSafetensors,
  serializeSafetensors,
  sum,
  tensor,
  mul,
  add,
  transpose,
  getBackend,
  type Tensor,
} from "../src/index.js";
import { testDevices } from "./helpers.js";

/** Deterministic values in [-2, 2), not on a float16 grid (so rounding to half changes them). */
function values(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 4 - 2;
  });
}

const f32 = (shape: number[], seed: number): Tensor => tensor(values(shape.reduce((a, b) => a * b, 1), seed), { shape });

describe("float16 on the CPU backend", () => {
  it("stores half bit patterns (2 bytes per element) and reads back values rounded to nearest even", async () => {
    const before = memory().bytes.cpu ?? 0;
    const h = tensor(new Float32Array([1 / 3, 65504, 70000, 2 ** -24, -0.1, 1 + 2 ** -11]), { dtype: "float16" });
    expect(h.dtype).toBe("float16");
    expect((memory().bytes.cpu ?? 0) - before).toBe(12);
    expect(Array.from(await h.data())).toEqual([0.333251953125, 65504, Infinity, 2 ** -24, -0.0999755859375, 1]);
    const w = cast(h, "float32");
    expect(w.dtype).toBe("float32");
    expect(Array.from(await w.data())).toEqual(Array.from(await h.data()));
    dispose([h, w]);
  });

  it("elementwise ops on float16 compute in float32 and round the result to half", async () => {
    const a = tensor(new Float32Array([1, 2048, 0.1]), { dtype: "float16" });
    const b = tensor(new Float32Array([2 ** -11, 1, 0.2]), { dtype: "float16" });
    const s = add(a, b);
    expect(s.dtype).toBe("float16");
    // 1 + 2^-11 ties to 1; 2049 is not a half (ties to 2048); 0.1 + 0.2 rounded once
    expect(Array.from(await s.data())).toEqual([1, 2048, 0.2998046875]);
    dispose([a, b, s]);
  });

  it("matmul and linear with a float16 weight equal the float32 widening bit for bit, gradients included", async () => {
    const x = f32([3, 5, 16], 1);
    const w32 = f32([24, 16], 2);
    const bias32 = f32([24], 3);
    const wh = cast(w32, "float16");
    const bh = cast(bias32, "float16");
    const wRounded = cast(wh, "float32");
    const bRounded = cast(bh, "float32");
    const mixed = linear(x, wh, bh, { activation: "gelu" });
    const plain = linear(x, wRounded, bRounded, { activation: "gelu" });
    expect(mixed.dtype).toBe("float32");
    expect(Array.from(await mixed.data())).toEqual(Array.from(await plain.data()));
    const mm = matmul(x, transpose(wh));
    expect(Array.from(await mm.data())).toEqual(Array.from(await matmul(x, transpose(wRounded)).data()));
    const gMixed = grad((t: Tensor) => sum(mul(linear(t, wh, bh), linear(t, wh))))(x);
    const gPlain = grad((t: Tensor) => sum(mul(linear(t, wRounded, bRounded), linear(t, wRounded))))(x);
    expect(gMixed.dtype).toBe("float32");
    expect(Array.from(await gMixed.data())).toEqual(Array.from(await gPlain.data()));
    dispose([x, w32, bias32, wh, bh, wRounded, bRounded, mixed, plain, mm, gMixed, gPlain]);
  });

  it("the tape keeps the float16 weight, not a float32 copy of it", () => {
    const x = f32([4, 64], 4);
    const wh = cast(f32([256, 64], 5), "float16");
    let kept = 0;
    const before = memory().bytes.cpu ?? 0;
    const g = grad((t: Tensor) => {
      const y = matmul(t, transpose(wh));
      kept = memory().bytes.cpu ?? 0;
      return sum(y);
    })(x);
    // a widened copy of the weight would add 256 * 64 * 4 bytes; the output adds 4 * 256 * 4
    expect(kept - before).toBeLessThan(256 * 64 * 4);
    dispose([x, wh, g]);
  });

  it("conv2d with a float16 weight (unit and strided windows) equals the float32 widening, with the input gradient", async () => {
    const x = f32([2, 4, 9, 9], 6);
    const wh = cast(f32([6, 4, 3, 3], 7), "float16");
    const w = cast(wh, "float32");
    for (const opts of [{ padding: 1 }, { stride: 2, padding: 1 }] as const) {
      const a = conv2d(x, wh, null, opts);
      const b = conv2d(x, w, null, opts);
      expect(a.dtype).toBe("float32");
      expect(Array.from(await a.data())).toEqual(Array.from(await b.data()));
      const ga = grad((t: Tensor) => sum(mul(conv2d(t, wh, null, opts), conv2d(t, wh, null, opts))))(x);
      const gb = grad((t: Tensor) => sum(mul(conv2d(t, w, null, opts), conv2d(t, w, null, opts))))(x);
      expect(Array.from(await ga.data())).toEqual(Array.from(await gb.data()));
      dispose([a, b, ga, gb]);
    }
    dispose([x, wh, w]);
  });

  it("layerNorm and groupNorm take float16 affine parameters with a float32 input", async () => {
    const x = f32([2, 8, 3, 3], 8);
    const wh = cast(f32([8], 9), "float16");
    const bh = cast(f32([8], 10), "float16");
    const [w, b] = [cast(wh, "float32"), cast(bh, "float32")];
    const gn = groupNorm(x, 4, { weight: wh, bias: bh, activation: "silu" });
    expect(gn.dtype).toBe("float32");
    expect(Array.from(await gn.data())).toEqual(Array.from(await groupNorm(x, 4, { weight: w, bias: b, activation: "silu" }).data()));
    const t = f32([5, 8], 11);
    const ln = layerNorm(t, [8], wh, bh);
    expect(ln.dtype).toBe("float32");
    expect(Array.from(await ln.data())).toEqual(Array.from(await layerNorm(t, [8], w, b).data()));
    dispose([x, wh, bh, w, b, gn, t, ln]);
  });

  it("safetensors load floating-point tensors as float16 on request (F32 rounded, F16 exact)", async () => {
    const a = f32([3, 4], 12);
    const bytes = await serializeSafetensors({ a, h: cast(a, "float16") }, { dtypes: { h: "F16" } });
    const { tensors } = await readSafetensors(bytes, { dtype: "float16" });
    expect(tensors.a!.dtype).toBe("float16");
    expect(tensors.h!.dtype).toBe("float16");
    const rounded = await cast(a, "float16").data();
    expect(Array.from(await tensors.a!.data())).toEqual(Array.from(rounded));
    expect(Array.from(await tensors.h!.data())).toEqual(Array.from(rounded));
    dispose([a, ...Object.values(tensors)]);
  });
});

const devices = await testDevices();
const webgpuHalf = devices.includes("webgpu") && getBackend("webgpu").supports("float16");
if (!devices.includes("webgpu")) console.log("Skipping the WebGPU mixed-operand tests: no WebGPU adapter");
else if (!webgpuHalf) console.log("Skipping the WebGPU mixed-operand tests: the adapter lacks shader-f16");

describe.skipIf(!webgpuHalf)("float16 weights with float32 activations on WebGPU (shader-f16)", () => {
  it("linear, conv2d and groupNorm read float16 weights in float32 (stored 2 bytes each) and match the CPU", async () => {
    const device = "webgpu" as const;
    const up = (t: Tensor, dtype: "float32" | "float16" = "float32") => tensor(t.dataSync() as Float32Array, { shape: [...t.shape], dtype, device });
    const x = f32([3, 40], 21), w = f32([24, 40], 22), b = f32([24], 23);
    const img = f32([2, 8, 7, 7], 24), cw = f32([16, 8, 3, 3], 25), gw = f32([16], 26);
    const cases: [string, (h: (t: Tensor) => Tensor, on: (t: Tensor) => Tensor) => Tensor][] = [
      ["linear + gelu", (h, on) => linear(on(x), h(w), h(b), { activation: "gelu" })],
      ["conv2d stride 2", (h, on) => conv2d(on(img), h(cw), null, { stride: 2, padding: 1 })],
      ["groupNorm + silu", (h, on) => groupNorm(conv2d(on(img), h(cw), null, { padding: 1 }), 4, { weight: h(gw), bias: h(gw), activation: "silu" })],
    ];
    for (const [name, f] of cases) {
      // reference: the CPU with the weights rounded to float16 and widened
      const want = f((t) => cast(cast(t, "float16"), "float32"), (t) => t).dataSync();
      const before = memory().bytes.webgpu ?? 0;
      const wh = up(w, "float16");
      expect((memory().bytes.webgpu ?? 0) - before).toBe(w.size * 2);
      wh.dispose();
      const got = await f((t) => up(t, "float16"), (t) => up(t)).data();
      const worst = Math.max(...Array.from(want, (u, i) => Math.abs(u - got[i]!) / (1e-4 + 1e-4 * Math.abs(u))));
      expect(worst, name).toBeLessThanOrEqual(1);
    }
    dispose([x, w, b, img, cw, gw]);
  });
});
