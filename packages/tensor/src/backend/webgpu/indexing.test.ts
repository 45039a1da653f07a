import { describe, expect, it } from "vitest";
import type { DType } from "../../dtype.js";
import { expectClose, gatherView, gpuOrSkip, randoms, randomInts, readAll, viewOf, type Layout } from "../../../test/support/webgpu.js";

const b = await gpuOrSkip();

/** Row-major coordinates of linear index `i` in `shape`. */
function coords(i: number, shape: readonly number[]): number[] {
  const c = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    c[d] = i % shape[d]!;
    i = Math.floor(i / shape[d]!);
  }
  return c;
}

function linear(c: readonly number[], shape: readonly number[]): number {
  return c.reduce((acc, v, d) => acc * shape[d]! + v, 0);
}

describe.skipIf(!b)("webgpu indexing kernels", () => {
  it("gather along each axis of a transposed view, with negative indices", async () => {
    const data = randoms(24, -1, 1, 1).map(Math.fround);
    const xl: Layout = { shape: [4, 3, 2], strides: [1, 8, 4], offset: 0 };
    const xv = gatherView(data, xl);
    for (const axis of [0, 1, 2]) {
      const ishape = [3, 2, 2];
      const idx = randomInts(12, -xl.shape[axis]!, xl.shape[axis]!, 10 + axis);
      const s = b!.kernels.gather([viewOf(b!, data, "float32", xl), viewOf(b!, idx, "int32", ishape)], { axis }, { shape: ishape, dtype: "float32" });
      const want = idx.map((ix, i) => {
        const c = coords(i, ishape);
        c[axis] = ix < 0 ? ix + xl.shape[axis]! : ix;
        return xv[linear(c, xl.shape)]!;
      });
      expect(await readAll(b!, s, "float32", 12)).toEqual(want);
    }
  });

  it("indexSelect along each axis, index read through a stride", async () => {
    const data = randomInts(24, -50, 50, 2);
    const xv = data;
    const shape = [4, 3, 2];
    for (const axis of [0, 1, 2]) {
      const idxData = [2, 9, 0, 9, 1, 9, 0, 9];
      const pick = [2, 0, 1, 0].map((v) => v % shape[axis]!);
      const idxBuf = idxData.map((v, i) => (i % 2 === 0 ? pick[i / 2]! : v));
      const ix = viewOf(b!, idxBuf, "int32", { shape: [4], strides: [2], offset: 0 });
      const outShape = shape.map((d, i) => (i === axis ? 4 : d));
      const size = outShape.reduce((x, y) => x * y, 1);
      const s = b!.kernels.indexSelect([viewOf(b!, data, "int32", shape), ix], { axis }, { shape: outShape, dtype: "int32" });
      const want = Array.from({ length: size }, (_, i) => {
        const c = coords(i, outShape);
        c[axis] = pick[c[axis]!]!;
        return xv[linear(c, shape)]!;
      });
      expect(await readAll(b!, s, "int32", size)).toEqual(want);
    }
  });

  for (const dtype of ["float32", "int32"] as DType[]) {
    it(`scatterAdd ${dtype} along each axis with repeated targets`, async () => {
      const shape = [3, 4];
      const base = randomInts(12, -5, 5, 3);
      for (const axis of [0, 1]) {
        const ishape = [2, 3];
        const idx = randomInts(6, 0, shape[axis]!, 20 + axis);
        const src = randomInts(12, -9, 9, 4);
        const srcShape = [2, 4];
        const s = b!.kernels.scatterAdd(
          [viewOf(b!, base, dtype, shape), viewOf(b!, idx, "int32", ishape), viewOf(b!, src, dtype, srcShape)],
          { axis },
          { shape, dtype },
        );
        const want = [...base];
        idx.forEach((ix, i) => {
          const c = coords(i, ishape);
          const v = src[linear(c, srcShape)]!;
          c[axis] = ix;
          want[linear(c, shape)]! += v;
        });
        expect(await readAll(b!, s, dtype, 12)).toEqual(want);
      }
    });
  }

  it("scatterAdd with many collisions (atomic float adds)", async () => {
    const n = 5000;
    const idx = randomInts(n, 0, 3, 7);
    const src = randoms(n, -1, 1, 8).map(Math.fround);
    const s = b!.kernels.scatterAdd(
      [viewOf(b!, [0, 0, 0], "float32", [3]), viewOf(b!, idx, "int32", [n]), viewOf(b!, src, "float32", [n])],
      { axis: 0 },
      { shape: [3], dtype: "float32" },
    );
    const want = [0, 0, 0];
    idx.forEach((ix, i) => (want[ix]! += src[i]!));
    expectClose(await readAll(b!, s, "float32", 3), want, 1e-4, 1e-4);
  });

  it("scatterSlice with positive and negative steps, fill value", async () => {
    const x = viewOf(b!, [1, 2, 3, 4, 5, 6], "float32", [2, 3]);
    const s = b!.kernels.scatterSlice([x], { shape: [4, 5], starts: [1, 4], steps: [2, -2], value: -1 }, { shape: [4, 5], dtype: "float32" });
    const want = new Array<number>(20).fill(-1);
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) want[(1 + 2 * i) * 5 + (4 - 2 * j)] = i * 3 + j + 1;
    expect(await readAll(b!, s, "float32", 20)).toEqual(want);
    const xb = viewOf(b!, [1, 1], "bool", [2]);
    const sb = b!.kernels.scatterSlice([xb], { shape: [4], starts: [1], steps: [1], value: 0 }, { shape: [4], dtype: "bool" });
    expect(await readAll(b!, sb, "bool", 4)).toEqual([0, 1, 1, 0]);
  });

  it("concat of strided inputs along each axis", async () => {
    const a = randomInts(6, 0, 100, 1);
    const c = randomInts(8, 0, 100, 2);
    const al: Layout = { shape: [2, 3], strides: [1, 2], offset: 0 };
    const av = gatherView(a, al);
    // axis 1: [2,3] ++ [2,4] -> [2,7]
    const s1 = b!.kernels.concat([viewOf(b!, a, "int32", al), viewOf(b!, c, "int32", [2, 4])], { axis: 1 }, { shape: [2, 7], dtype: "int32" });
    expect(await readAll(b!, s1, "int32", 14)).toEqual([...av.slice(0, 3), ...c.slice(0, 4), ...av.slice(3), ...c.slice(4)]);
    // axis 0: [2,3] ++ [1,3] ++ [2,3]
    const d = [7, 8, 9];
    const s0 = b!.kernels.concat(
      [viewOf(b!, a, "int32", al), viewOf(b!, d, "int32", [1, 3]), viewOf(b!, a, "int32", [2, 3])],
      { axis: 0 },
      { shape: [5, 3], dtype: "int32" },
    );
    expect(await readAll(b!, s0, "int32", 15)).toEqual([...av, ...d, ...a]);
  });
});

interface Win {
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
}

function outSize(n: number, k: number, s: number, p: number, d: number): number {
  return Math.floor((n + 2 * p - d * (k - 1) - 1) / s) + 1;
}

function unfoldRef(x: number[], [N, C, H, W]: number[], w: Win): number[] {
  const [kh, kw] = w.kernel;
  const oh = outSize(H!, kh, w.stride[0], w.padding[0], w.dilation[0]);
  const ow = outSize(W!, kw, w.stride[1], w.padding[1], w.dilation[1]);
  const out: number[] = [];
  for (let n = 0; n < N!; n++)
    for (let c = 0; c < C!; c++)
      for (let i = 0; i < kh; i++)
        for (let j = 0; j < kw; j++)
          for (let oy = 0; oy < oh; oy++)
            for (let ox = 0; ox < ow; ox++) {
              const y = oy * w.stride[0] - w.padding[0] + i * w.dilation[0];
              const xx = ox * w.stride[1] - w.padding[1] + j * w.dilation[1];
              out.push(y >= 0 && y < H! && xx >= 0 && xx < W! ? x[((n * C! + c) * H! + y) * W! + xx]! : 0);
            }
  return out;
}

describe.skipIf(!b)("webgpu unfold / fold", () => {
  const wins: Win[] = [
    { kernel: [3, 3], stride: [1, 1], padding: [1, 1], dilation: [1, 1] },
    { kernel: [2, 3], stride: [2, 1], padding: [0, 2], dilation: [1, 2] },
    { kernel: [1, 1], stride: [2, 2], padding: [0, 0], dilation: [1, 1] },
  ];
  for (const w of wins) {
    it(`unfold and fold (adjoint) with ${JSON.stringify(w)}`, async () => {
      const shape = [2, 3, 5, 6];
      const [N, C, H, W] = shape as [number, number, number, number];
      const data = randoms(N * C * H * W, -1, 1, 5).map(Math.fround);
      // Read the input through an NHWC layout permuted to NCHW.
      const nhwc = new Array<number>(data.length);
      data.forEach((v, i) => {
        const [n, c, y, x] = coords(i, shape) as [number, number, number, number];
        nhwc[((n * H + y) * W + x) * C + c] = v;
      });
      const xl: Layout = { shape, strides: [H * W * C, 1, W * C, C], offset: 0 };
      const oh = outSize(H, w.kernel[0], w.stride[0], w.padding[0], w.dilation[0]);
      const ow = outSize(W, w.kernel[1], w.stride[1], w.padding[1], w.dilation[1]);
      const colShape = [N, C * w.kernel[0] * w.kernel[1], oh * ow];
      const colSize = colShape.reduce((x, y) => x * y, 1);
      const cols = b!.kernels.unfold([viewOf(b!, nhwc, "float32", xl)], w, { shape: colShape, dtype: "float32" });
      const want = unfoldRef(data, shape, w);
      expect(await readAll(b!, cols, "float32", colSize)).toEqual(want);
      // fold is the adjoint: <unfold(x), g> == <x, fold(g)>.
      const g = randoms(colSize, -1, 1, 6).map(Math.fround);
      const folded = b!.kernels.fold([viewOf(b!, g, "float32", colShape)], { ...w, outputSize: [H, W] }, { shape, dtype: "float32" });
      const fx = await readAll(b!, folded, "float32", data.length);
      const lhs = want.reduce((acc, v, i) => acc + v * g[i]!, 0);
      const rhs = fx.reduce((acc, v, i) => acc + v * data[i]!, 0);
      expectClose([rhs], [lhs], 1e-5, 1e-5, "adjoint");
      // And element by element: fold(g)[p] sums g over the window entries unfold reads from p.
      const byIndex = new Array<number>(data.length).fill(0);
      const probe = unfoldRef(data.map((_, i) => i + 1), shape, w);
      probe.forEach((p, i) => {
        if (p > 0) byIndex[p - 1]! += g[i]!;
      });
      expectClose(fx, byIndex, 1e-5, 1e-6, "fold");
    });
  }
});
