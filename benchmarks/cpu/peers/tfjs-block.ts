/**
 * tfjs (wasm backend) transformer block step: `tf.grads` of sum(block(x, params)) with respect to the
 * input and every parameter.
 */
import { blockParamShapes, type BlockShape } from "../block-shape.js";
import type { BlockCase } from "../cases.js";
import { loadedLibraryRunner, timeInProcess, type Runner } from "./runner.js";
import { loadTfjsWasm, type Tf } from "./tfjs-load.js";

type T = ReturnType<Tf["tensor"]>;

const NAMES = ["ln1_w", "ln1_b", "qkv_w", "qkv_b", "proj_w", "proj_b", "ln2_w", "ln2_b", "fc1_w", "fc1_b", "fc2_w", "fc2_b"] as const;

function blockFn(tf: Tf, s: BlockShape): (...args: T[]) => T {
  const e = s.width, d = e / s.heads, bl = s.batch * s.tokens;
  const ln = (x: T, w: T, b: T): T => {
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5))), w), b);
  };
  const linear = (x: T, w: T, b: T): T => tf.add(tf.matMul(x, w, false, true), b);
  const heads = (t: T): T => tf.reshape(tf.transpose(tf.reshape(t, [s.batch, s.tokens, s.heads, d]), [0, 2, 1, 3]), [s.batch * s.heads, s.tokens, d]);
  return (x: T, ...ps: T[]): T => {
    const p = Object.fromEntries(NAMES.map((n, i) => [n, ps[i]!])) as Record<(typeof NAMES)[number], T>;
    const x2 = tf.reshape(x, [bl, e]);
    const qkv = linear(ln(x2, p.ln1_w, p.ln1_b), p.qkv_w, p.qkv_b);
    const [q, k, v] = tf.split(qkv, 3, 1).map(heads) as [T, T, T];
    const att = tf.softmax(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(d)));
    const o = tf.reshape(tf.transpose(tf.reshape(tf.matMul(att, v), [s.batch, s.heads, s.tokens, d]), [0, 2, 1, 3]), [bl, e]);
    const h = tf.add(x2, linear(o, p.proj_w, p.proj_b));
    const f = linear(ln(h, p.ln2_w, p.ln2_b), p.fc1_w, p.fc1_b);
    const g = tf.mul(tf.mul(f, 0.5), tf.add(1, tf.erf(tf.mul(f, Math.SQRT1_2))));
    return tf.sum(tf.add(h, linear(g, p.fc2_w, p.fc2_b)));
  };
}

/** tfjs transformer block step on the "wasm" backend. */
export function tfjsBlockRunner(): Runner<BlockCase> {
  return loadedLibraryRunner("tfjs wasm", loadTfjsWasm, (tf) => ({
    async time(c: BlockCase, repeats: number) {
      const t = tf();
      const s = c.shape, shapes = blockParamShapes(s);
      const inputs = [t.tensor(c.x, [s.batch, s.tokens, s.width]), ...NAMES.map((n) => t.tensor(c.params[n]!, shapes[n]!))];
      const step = t.grads(blockFn(t, s));
      const timing = await timeInProcess(repeats, () => {
        const gs = step(inputs);
        gs[0]!.dataSync();
        t.dispose(gs);
      });
      t.dispose(inputs);
      return timing;
    },
  }));
}
