import { describe, expect, it } from "vitest";
import type { DType } from "../../dtype.js";
import { expectClose, gatherView, gpuOrSkip, randoms, randomInts, readAll, viewOf, type Layout } from "../../../test/support/webgpu.js";

const b = await gpuOrSkip();

/** Reference batched matmul of row-major operands [B, m, k] @ [B, k, n]. */
function matmulRef(a: number[], c: number[], B: number, m: number, k: number, n: number): number[] {
  const out = new Array<number>(B * m * n).fill(0);
  for (let z = 0; z < B; z++)
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let l = 0; l < k; l++) s += a[(z * m + i) * k + l]! * c[(z * k + l) * n + j]!;
        out[(z * m + i) * n + j] = s;
      }
  return out;
}

async function check(al: Layout, bl: Layout, outShape: number[], dtype: DType = "float32", seed = 1): Promise<void> {
  const extent = (l: Layout) => 1 + l.offset + l.shape.reduce((acc, d, i) => acc + Math.max(0, d - 1) * Math.max(0, l.strides[i]!), 0);
  const aSize = extent(al);
  const bSize = extent(bl);
  const ad = dtype === "int32" ? randomInts(aSize, -5, 6, seed) : randoms(aSize, -1, 1, seed).map(Math.fround);
  const bd = dtype === "int32" ? randomInts(bSize, -5, 6, seed + 1) : randoms(bSize, -1, 1, seed + 1).map(Math.fround);
  const r = outShape.length;
  const [m, n] = [outShape[r - 2]!, outShape[r - 1]!];
  const k = al.shape[al.shape.length - 1]!;
  const batch = outShape.slice(0, -2);
  const B = batch.reduce((x, y) => x * y, 1);
  // Materialise both operands broadcast to the output's batch dims.
  const expand = (l: Layout, rows: number, cols: number): Layout => {
    const lb = l.shape.length - 2;
    const strides = batch.map((d, i) => {
      const j = i - (batch.length - lb);
      return j < 0 || l.shape[j] === 1 ? 0 : l.strides[j]!;
    });
    return { shape: [...batch, rows, cols], strides: [...strides, ...l.strides.slice(-2)], offset: l.offset };
  };
  const av = gatherView(ad, expand(al, m, k));
  const bv = gatherView(bd, expand(bl, k, n));
  const s = b!.kernels.matmul([viewOf(b!, ad, dtype, al), viewOf(b!, bd, dtype, bl)], {}, { shape: outShape, dtype });
  const want = matmulRef(av, bv, B, m, k, n);
  const got = await readAll(b!, s, dtype, B * m * n);
  if (dtype === "int32") expect(got).toEqual(want);
  else expectClose(got, want, 1e-5, 1e-5 * Math.sqrt(k), `matmul ${JSON.stringify(outShape)}`);
}

const C = (shape: number[]): Layout => {
  const strides = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = acc;
    acc *= shape[i]!;
  }
  return { shape, strides, offset: 0 };
};
/** The transpose of the last two dims of a contiguous [..., c, r] buffer, seen as [..., r, c]. */
const CT = (shape: number[]): Layout => {
  const r = shape.length;
  const base = C([...shape.slice(0, -2), shape[r - 1]!, shape[r - 2]!]);
  const s = [...base.strides];
  [s[r - 2], s[r - 1]] = [s[r - 1]!, s[r - 2]!];
  return { shape, strides: s, offset: 0 };
};

describe.skipIf(!b)("webgpu matmul", () => {
  it("small 2x3 @ 3x4", () => check(C([2, 3]), C([3, 4]), [2, 4]));
  it("ragged 70x50 @ 50x90 (4x4 register tiles, partial tiles)", () => check(C([70, 50]), C([50, 90]), [70, 90]));
  it("matrix-vector shapes 1x300 @ 300x33 and 33x300 @ 300x1", async () => {
    await check(C([1, 300]), C([300, 33]), [1, 33]);
    await check(C([33, 300]), C([300, 1]), [33, 1]);
  });
  it("transposed A", () => check(CT([40, 24]), C([24, 36]), [40, 36]));
  it("transposed B", () => check(C([40, 24]), CT([24, 36]), [40, 36]));
  it("both transposed", () => check(CT([33, 17]), CT([17, 65]), [33, 65]));
  it("batched with a broadcast (stride-0) batch dim on each side", async () => {
    const a: Layout = { shape: [2, 3, 5, 7], strides: [35, 0, 7, 1], offset: 0 };
    const c: Layout = { shape: [2, 3, 7, 6], strides: [0, 42, 6, 1], offset: 0 };
    await check(a, c, [2, 3, 5, 6]);
  });
  it("a shared right operand broadcast over the batch", () => check(C([4, 9, 8]), { shape: [4, 8, 10], strides: [0, 10, 1], offset: 0 }, [4, 9, 10]));
  it("flipped rows (negative stride) and an offset", async () => {
    const a: Layout = { shape: [6, 5], strides: [-5, 1], offset: 25 };
    const c: Layout = { shape: [5, 4], strides: [1, -5], offset: 15 };
    await check(a, c, [6, 4]);
  });
  it("int32", () => check(C([3, 20, 19]), CT([3, 19, 21]), [3, 20, 21], "int32"));
  it("k = 0 gives zeros", async () => {
    const s = b!.kernels.matmul([viewOf(b!, [], "float32", [2, 0]), viewOf(b!, [], "float32", [0, 3])], {}, { shape: [2, 3], dtype: "float32" });
    expect(await readAll(b!, s, "float32", 6)).toEqual([0, 0, 0, 0, 0, 0]);
  });
  it("128x256 @ 256x192", () => check(C([128, 256]), C([256, 192]), [128, 192]));
  it("vec4 loads along K, M and N, batched, with partial tiles", async () => {
    await check(C([3, 72, 64]), C([3, 64, 84]), [3, 72, 84]); // A along K, B along N
    await check(CT([3, 72, 64]), CT([3, 64, 84]), [3, 72, 84]); // A along M, B along K
    await check({ shape: [2, 36, 40], strides: [0, 40, 1], offset: 8 }, C([2, 40, 68]), [2, 36, 68]); // broadcast batch, offset 8
  });
  it("scalar fallback where vec4 does not fit: odd offset, odd row stride, K not a multiple of 4", async () => {
    await check({ shape: [40, 36], strides: [36, 1], offset: 3 }, C([36, 44]), [40, 44]);
    await check({ shape: [40, 36], strides: [37, 1], offset: 0 }, { shape: [36, 44], strides: [45, 1], offset: 1 }, [40, 44]);
    await check(C([40, 35]), C([35, 44]), [40, 44]);
  });
});
