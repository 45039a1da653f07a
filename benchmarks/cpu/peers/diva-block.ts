/**
 * Our transformer-block contender through @diva/tensor on the CPU backend: `grad` of sum(block(params, x))
 * with respect to every parameter and the input.
 */
import * as dt from "@diva/tensor";
import { blockParamShapes, type BlockShape } from "../block-shape.js";
import type { BlockCase } from "../cases.js";
import { timeInProcess, type Runner } from "./runner.js";

type Params = Record<string, dt.Tensor>;

/** The pre-LN block: x + proj(attn(ln1(x))), then h + fc2(gelu(fc1(ln2(h)))). */
export function divaBlock(p: Params, x: dt.Tensor, s: BlockShape): dt.Tensor {
  const e = s.width, d = e / s.heads;
  const heads = (t: dt.Tensor): dt.Tensor => dt.permute(dt.reshape(t, [s.batch, s.tokens, s.heads, d]), [0, 2, 1, 3]);
  const qkv = dt.linear(dt.layerNorm(x, [e], p.ln1_w, p.ln1_b), p.qkv_w!, p.qkv_b);
  const [q, k, v] = [0, 1, 2].map((i) => heads(dt.slice(qkv, [null, null, [i * e, (i + 1) * e]])));
  const o = dt.scaledDotProductAttention(q!, k!, v!);
  const h = dt.add(x, dt.linear(dt.reshape(dt.permute(o, [0, 2, 1, 3]), [s.batch, s.tokens, e]), p.proj_w!, p.proj_b));
  const m = dt.linear(dt.gelu(dt.linear(dt.layerNorm(h, [e], p.ln2_w, p.ln2_b), p.fc1_w!, p.fc1_b)), p.fc2_w!, p.fc2_b);
  return dt.add(h, m);
}

/** One forward + backward step on our CPU backend with `threads` threads. */
export function divaBlockRunner(threads: number): Runner<BlockCase> {
  return {
    name: "diva cpu (@diva/tensor)",
    threads,
    async setup() {},
    async time(c: BlockCase, repeats: number) {
      dt.setCpuThreads(threads);
      const s = c.shape;
      const shapes = blockParamShapes(s);
      const params: Params = Object.fromEntries(Object.entries(c.params).map(([k, v]) => [k, dt.fromHost(v, "float32", shapes[k]!)]));
      const x = dt.fromHost(c.x, "float32", [s.batch, s.tokens, s.width]);
      const step = dt.grad((p: Params, xx: dt.Tensor) => dt.sum(divaBlock(p, xx, s)), { argnums: [0, 1] });
      const t = await timeInProcess(repeats, () => dt.tidy(() => void step(params, x)));
      dt.dispose([params, x]);
      return t;
    },
    async close() {},
  };
}
