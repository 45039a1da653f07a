import { describe, expect, it } from "vitest";
import { ModuleBuilder } from "./asm/module.js";
import { emitGemm, gemmScratchBytes, type GemmBlocking } from "./gemm-kernel.js";
import { wasmFeatures } from "./features.js";
import { boundRatio, makeOperand, referenceMatmul, rng } from "../../../../test/support/wasm-kernels.js";

/** Instantiates the GEMM alone with a given blocking on a private, non-shared memory. */
function instantiate(bl: GemmBlocking, relaxed: boolean): { memory: WebAssembly.Memory; gemm: (...a: number[]) => void } {
  const mod = new ModuleBuilder(relaxed);
  mod.importMemory({ module: "env", name: "memory", initialPages: 1, maximumPages: 512, shared: false });
  emitGemm(mod, bl);
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 512 });
  const inst = new WebAssembly.Instance(new WebAssembly.Module(mod.encode()), { env: { memory } });
  return { memory, gemm: inst.exports.gemm as (...a: number[]) => void };
}

const blockings: GemmBlocking[] = [
  { mr: 8, nr: 16, kc: 256, mc: 128, nc: 2048, unroll: 2, aLoad: "shuffle" },
  { mr: 4, nr: 8, kc: 16, mc: 8, nc: 16, unroll: 4, aLoad: "shuffle" },
  { mr: 3, nr: 12, kc: 7, mc: 6, nc: 24, unroll: 1, aLoad: "splat" },
  { mr: 6, nr: 4, kc: 32, mc: 12, nc: 8, unroll: 2, aLoad: "splat" },
];

describe("GEMM kernel generator", () => {
  for (const bl of blockings) {
    for (const relaxed of wasmFeatures().relaxedSimd ? [false, true] : [false]) {
      it(`blocking ${bl.mr}x${bl.nr} kc ${bl.kc} mc ${bl.mc} nc ${bl.nc} unroll ${bl.unroll} ${bl.aLoad}${relaxed ? " relaxed" : ""}`, () => {
        const { memory, gemm } = instantiate(bl, relaxed);
        const rand = rng(bl.mr * 100 + bl.nr);
        for (const [m, n, k] of [[1, 1, 1], [5, 9, 3], [17, 33, 40], [37, 29, 71], [9, 50, 100]] as const) {
          for (const ta of [false, true]) {
            for (const tb of [false, true]) {
              const a = makeOperand(rand, [], m, k, { transposed: ta, pad: 1, offset: 0, batchPresent: [] });
              const b = makeOperand(rand, [], k, n, { transposed: tb, pad: 0, offset: 0, batchPresent: [] });
              const scratch = gemmScratchBytes(bl);
              const aAt = Math.ceil(scratch / 64) * 64, bAt = aAt + a.data.length * 4, cAt = bAt + b.data.length * 4;
              const need = cAt + m * n * 4 - memory.buffer.byteLength;
              if (need > 0) memory.grow(Math.ceil(need / 65536));
              const heap = new Float32Array(memory.buffer);
              heap.set(a.data, aAt / 4);
              heap.set(b.data, bAt / 4);
              gemm(aAt + a.offset * 4, a.rowStride, a.colStride, bAt + b.offset * 4, b.rowStride, b.colStride, cAt, n, m, n, k, 0);
              const got = new Float32Array(memory.buffer, cAt, m * n).slice();
              expect(boundRatio(got, referenceMatmul(a, b, m, n, k, []), k).ratio).toBeLessThanOrEqual(1);
            }
          }
        }
      });
    }
  }

  it("rejects inconsistent blockings", () => {
    const mod = new ModuleBuilder(false);
    expect(() => emitGemm(mod, { mr: 6, nr: 16, kc: 64, mc: 48, nc: 64, unroll: 2, aLoad: "shuffle" })).toThrow(/blocking/);
    expect(() => emitGemm(mod, { mr: 4, nr: 10, kc: 64, mc: 48, nc: 60, unroll: 2, aLoad: "splat" })).toThrow(/blocking/);
  });
});
