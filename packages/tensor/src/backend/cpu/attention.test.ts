/**
 * The fast float32 attention kernel (WebAssembly GEMM over blocks of query rows) against the reference kernel,
 * with blocks small enough that a call spans several, causal blocks of different widths, broadcast batch
 * dims (zero strides), transposed operands and both mask kinds.
 */
import { describe, expect, it } from "vitest";
import type { KernelAttrs, TensorView } from "../backend.js";
import { attentionKernel } from "./attention.js";
import { fastAttentionKernel } from "./attention-fast.js";
import { CpuStorage } from "./storage.js";

function view(data: Float32Array | Uint8Array, shape: number[], strides: number[], dtype: "float32" | "bool" = "float32"): TensorView {
  return { storage: new CpuStorage(data), dtype, shape, strides, offset: 0 };
}

let seed = 1;
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;

describe("fast cpu attention", () => {
  for (const mask of ["none", "bool", "add"] as const) {
    for (const causal of [false, true]) {
      it(`matches the reference (mask ${mask}, causal ${causal})`, () => {
        const [B, Lq, Lk, D, Dv] = [2, 37, 29, 5, 3];
        const q = view(Float32Array.from({ length: B * Lq * D }, rnd), [B, Lq, D], [Lq * D, D, 1]);
        // k shared by both batch entries (stride 0) and stored transposed ([D, Lk] in memory)
        const k = view(Float32Array.from({ length: Lk * D }, rnd), [B, Lk, D], [0, 1, Lk]);
        const v = view(Float32Array.from({ length: B * Lk * Dv }, rnd), [B, Lk, Dv], [Lk * Dv, Dv, 1]);
        const inputs = [q, k, v];
        if (mask === "bool") {
          const m = Uint8Array.from({ length: Lq * Lk }, (_, i) => (i % Lk === 0 || rnd() > 0 ? 1 : 0));
          inputs.push(view(m, [B, Lq, Lk], [0, Lk, 1], "bool"));
        } else if (mask === "add") inputs.push(view(Float32Array.from({ length: Lq * Lk }, () => rnd() - 1), [B, Lq, Lk], [0, Lk, 1]));
        const attrs: KernelAttrs["attention"] = { scale: 0.6, causal, mask };
        const out = { shape: [B, Lq, Dv], dtype: "float32" as const };
        const want = (attentionKernel(inputs, attrs, out).data as Float32Array);
        for (const block of [Lk * 4, Lk * 16, 1 << 20]) {
          const got = (fastAttentionKernel(block)(inputs, attrs, out).data as Float32Array);
          for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!), `block ${block} element ${i}`).toBeLessThan(1e-5 + 1e-5 * Math.abs(want[i]!));
        }
      });
    }
  }
});
