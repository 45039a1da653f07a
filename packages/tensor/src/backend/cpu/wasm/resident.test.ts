import { describe, expect, it } from "vitest";
import { Heap } from "./heap.js";
import { allocF32, cpuKernelInfo, freeF32 } from "./info.js";
import { matmulF32 } from "./matmul.js";
import { softmaxRowsF32 } from "./softmax.js";
import { boundRatio, makeOperand, referenceMatmul, rng } from "../../../../test/support/wasm-kernels.js";

describe("Heap", () => {
  it("allocates first-fit, coalesces and shrinks the top", () => {
    const h = new Heap(64, 64);
    const a = h.alloc(10), b = h.alloc(100), c = h.alloc(64);
    expect([a, b, c]).toEqual([64, 128, 256]);
    expect(h.top).toBe(320);
    h.free(b);
    expect(h.alloc(64)).toBe(128); // reuses the hole
    const d = h.alloc(64);
    expect(d).toBe(192);
    h.free(a);
    h.free(128);
    h.free(d);
    expect(h.top).toBe(320);
    h.free(c);
    expect(h.top).toBe(64);
    expect(h.liveBytes).toBe(0);
    expect(() => h.free(c)).toThrow(/not an allocated block/);
  });
});

describe("resident arrays (allocF32)", () => {
  it("are used in place by matmulF32 and stay valid as the memory grows", () => {
    const rand = rng(3);
    const [m, n, k] = [67, 45, 130];
    const src = makeOperand(rand, [3], m, k, { transposed: true, pad: 1, offset: 2, batchPresent: [true] });
    const srcB = makeOperand(rand, [3], k, n, { transposed: false, pad: 0, offset: 0, batchPresent: [false] });
    const a = allocF32(src.data.length);
    a.set(src.data);
    const b = allocF32(srcB.data.length);
    b.set(srcB.data);
    const out = allocF32(3 * m * n + 4);
    const big = allocF32(40 << 20); // forces growth of the memory (160 MB)
    big[big.length - 1] = 1;
    matmulF32({ ...src, data: a }, { ...srcB, data: b }, out, m, n, k, { batchShape: [3], outOffset: 4 });
    const ref = referenceMatmul(src, srcB, m, n, k, [3]);
    expect(boundRatio(out.subarray(4), ref, k).ratio).toBeLessThanOrEqual(1);
    // Mixed: resident output, ordinary inputs.
    const out2 = allocF32(3 * m * n);
    matmulF32(src, srcB, out2, m, n, k, { batchShape: [3], threads: 2 });
    expect(boundRatio(out2, ref, k).ratio).toBeLessThanOrEqual(1);
    for (const x of [a, b, out, big, out2]) freeF32(x);
    if (cpuKernelInfo().sharedMemory) expect(a.buffer).toBeInstanceOf(SharedArrayBuffer);
  });

  it("are used in place by softmaxRowsF32 in every combination", () => {
    const rand = rng(9);
    const rows = 33, cols = 19;
    const x = new Float32Array(rows * cols).map(() => rand() * 5);
    const expected = new Float32Array(rows * cols);
    softmaxRowsF32(x, 0, expected, 0, rows, cols);
    const rx = allocF32(rows * cols), rout = allocF32(rows * cols);
    for (const [xin, o] of [[x, rout], [rx, new Float32Array(rows * cols)], [rx, rout], [rx, rx]] as const) {
      rx.set(x);
      softmaxRowsF32(xin, 0, o, 0, rows, cols);
      expect(Array.from(o)).toEqual(Array.from(expected));
    }
    freeF32(rx);
    freeF32(rout);
  });
});
