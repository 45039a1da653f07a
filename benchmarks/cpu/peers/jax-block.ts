/**
 * jax-js (wasm device) transformer block step: `jit(grad(loss, { argnums: [0, 1] }))` of
 * sum(block(params, x)). jax-js arrays are consumed by use, so values used twice are passed as `.ref`.
 */
import { blockParamShapes, type BlockShape } from "../block-shape.js";
import type { BlockCase } from "../cases.js";
import { loadJaxWasm, type Jax } from "./jax.js";
import { loadedLibraryRunner, timeInProcess, type Runner } from "./runner.js";

type JArray = import("@jax-js/jax").Array;
type Params = Record<string, JArray>;

function lossFn(j: Jax, s: BlockShape): (p: Params, x: JArray) => JArray {
  const np = j.numpy, nn = j.nn;
  const e = s.width, d = e / s.heads, bl = s.batch * s.tokens;
  const ln = (x: JArray, w: JArray, b: JArray): JArray => np.add(np.multiply(nn.standardize(x, -1, { epsilon: 1e-5 }), w), b);
  const linear = (x: JArray, w: JArray, b: JArray): JArray => np.add(np.matmul(x, np.transpose(w)), b);
  const heads = (t: JArray): JArray => np.transpose(np.reshape(t, [s.batch, s.tokens, s.heads, d]), [0, 2, 1, 3]);
  return (p: Params, x0: JArray): JArray => {
    const x = np.reshape(x0, [bl, e]);
    const qkv = linear(ln(x.ref, p.ln1_w!, p.ln1_b!), p.qkv_w!, p.qkv_b!);
    const [q, k, v] = np.split(qkv, 3, 1).map(heads) as [JArray, JArray, JArray];
    const att = nn.softmax(np.multiply(np.matmul(q, np.transpose(k, [0, 1, 3, 2])), 1 / Math.sqrt(d)), -1);
    const o = np.reshape(np.transpose(np.matmul(att, v), [0, 2, 1, 3]), [bl, e]);
    const h = np.add(x, linear(o, p.proj_w!, p.proj_b!));
    const f = linear(ln(h.ref, p.ln2_w!, p.ln2_b!), p.fc1_w!, p.fc1_b!);
    return np.sum(np.add(h, linear(nn.gelu(f, { approximate: false }), p.fc2_w!, p.fc2_b!)));
  };
}

/** jax-js transformer block step on the wasm device. */
export function jaxBlockRunner(): Runner<BlockCase> {
  return loadedLibraryRunner("jax-js wasm", loadJaxWasm, (jax) => ({
    async time(c: BlockCase, repeats: number) {
      const j = jax(), np = j.numpy;
      const s = c.shape, shapes = blockParamShapes(s);
      const params: Params = Object.fromEntries(Object.entries(c.params).map(([k, v]) => [k, np.array(v, { shape: shapes[k]! })]));
      const x = np.array(c.x, { shape: [s.batch, s.tokens, s.width] });
      const step = j.jit(j.grad(lossFn(j, s), { argnums: [0, 1] }) as (p: Params, x: JArray) => [Params, JArray]);
      const timing = await timeInProcess(repeats, async () => {
        const out = step(j.tree.map((a: JArray) => a.ref, params) as Params, x.ref);
        await j.blockUntilReady(out);
        j.tree.dispose(out);
      });
      j.tree.dispose(params);
      x.dispose();
      step.dispose();
      return timing;
    },
  }));
}
