/**
 * Fused scaled-dot-product attention: the public function and its registry entry. The kernels never
 * materialise the [Lq, Lk] probabilities in memory (WebGPU: online softmax over key tiles; CPU: row blocks);
 * the VJP recomputes the probabilities with ops (so gradients of gradients work).
 */
import type { KernelAttrs } from "../backend/backend.js";
import { isFloat } from "../dtype.js";
import { tidy } from "../engine/tidy.js";
import { broadcastShapes, fmt, shapesEqual } from "../shape.js";
import type { Tensor } from "../tensor.js";
import { fromHost, zeros } from "./creation.js";
import { add, mul, sub, where } from "./elementwise.js";
import { matmul } from "./matmul.js";
import { runKernel, type KernelOpDef } from "./registry.js";
import { sum } from "./reduce.js";
import { expand, transpose } from "./shape.js";
import { castTo } from "./util.js";

/** Options of scaledDotProductAttention. */
export interface AttentionOptions {
  /** Boolean mask (true = attend) or additive float mask, broadcastable to [..., Lq, Lk]. */
  mask?: Tensor | null;
  /** Mask out keys after each query position (upper triangle). */
  isCausal?: boolean;
  /** Score scale; default 1/sqrt(head dim). */
  scale?: number;
}

/** Largest head dim (of q/k and of v) the fused WebGPU kernel takes; larger ones run as a composite there. */
const MAX_FUSED_HEAD_DIM = 256;

const OP = "scaledDotProductAttention";

/**
 * softmax(q k^T * scale + mask) v for q [..., Lq, D], k [..., Lk, D], v [..., Lk, Dv]
 * (torch.nn.functional.scaled_dot_product_attention without dropout). Batch dims (and the mask's) broadcast.
 * One fused kernel: the [Lq, Lk] scores are never stored.
 */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions = {}): Tensor {
  for (const [n, t] of [["q", q], ["k", k], ["v", v]] as const) {
    if (!isFloat(t.dtype)) throw new Error(`${OP}: expected a float tensor, got ${n} ${t.dtype} ${fmt(t.shape)}`);
    if (t.rank < 2) throw new Error(`${OP}: ${n} must be [..., L, D], got ${fmt(t.shape)}`);
  }
  const d = q.shape[q.rank - 1]!;
  if (k.shape[k.rank - 1] !== d) throw new Error(`${OP}: q ${fmt(q.shape)} and k ${fmt(k.shape)} head dims differ`);
  if (k.shape[k.rank - 2] !== v.shape[v.rank - 2]) throw new Error(`${OP}: k ${fmt(k.shape)} and v ${fmt(v.shape)} lengths differ`);
  if (q.dtype !== k.dtype || q.dtype !== v.dtype) throw new Error(`${OP}: q, k and v dtypes differ (${q.dtype}, ${k.dtype}, ${v.dtype})`);
  const lq = q.shape[q.rank - 2]!;
  const lk = k.shape[k.rank - 2]!;
  const dv = v.shape[v.rank - 1]!;
  const m = options.mask ?? null;
  let batch = broadcastShapes(OP, q.shape.slice(0, -2), k.shape.slice(0, -2), v.shape.slice(0, -2));
  if (m) {
    let full: number[];
    try {
      full = broadcastShapes(OP, [...batch, lq, lk], m.shape);
    } catch {
      throw new Error(`${OP}: mask ${fmt(m.shape)} does not broadcast to the scores [${[...batch, lq, lk].join(",")}]`);
    }
    if (full[full.length - 2] !== lq || full[full.length - 1] !== lk) {
      throw new Error(`${OP}: mask ${fmt(m.shape)} does not broadcast to the scores [${[...batch, lq, lk].join(",")}]`);
    }
    batch = full.slice(0, -2);
  }
  const scale = options.scale ?? 1 / Math.sqrt(d);
  const causal = options.isCausal ?? false;
  if (lk === 0) return zeros([...batch, lq, dv], { dtype: q.dtype, device: q.device });
  if (q.device === "webgpu" && Math.max(d, dv) > MAX_FUSED_HEAD_DIM) {
    return tidy(() => matmul(attentionProbs(q, k, m, scale, causal), v));
  }
  return tidy(() => {
    const qe = expand(q, [...batch, lq, d]);
    const ke = expand(k, [...batch, lk, d]);
    const ve = expand(v, [...batch, lk, dv]);
    const inputs = [qe, ke, ve];
    let kind: KernelAttrs["attention"]["mask"] = "none";
    if (m) {
      kind = m.dtype === "bool" ? "bool" : "add";
      inputs.push(expand(kind === "add" ? castTo(m, q.dtype) : m, [...batch, lq, lk]));
    }
    return runKernel("attention", inputs, { scale, causal, mask: kind });
  });
}

/** softmax(q k^T * scale + mask) with ops (the VJP's recomputation, and the composite for large head dims). */
function attentionProbs(q: Tensor, k: Tensor, m: Tensor | null, scale: number, causal: boolean): Tensor {
  let scores = mul(matmul(q, transpose(k)), scale);
  const lq = q.shape[q.rank - 2]!;
  const lk = k.shape[k.rank - 2]!;
  if (causal) {
    const allowed = new Uint8Array(lq * lk);
    for (let i = 0; i < lq; i++) for (let j = 0; j <= Math.min(i, lk - 1); j++) allowed[i * lk + j] = 1;
    scores = where(fromHost(allowed, "bool", [lq, lk], q.device), scores, -Infinity);
  }
  if (m) scores = m.dtype === "bool" ? where(m, scores, -Infinity) : add(scores, m);
  return runKernel("softmax", [scores], { axis: scores.rank - 1 });
}

/** Registry entry of the fused attention kernel. */
export const attentionDefs: { attention: KernelOpDef<KernelAttrs["attention"]> } = {
  attention: {
    infer: ([q, k, v, m], attrs) => {
      const r = q!.rank;
      const [lq, d] = q!.shape.slice(-2) as [number, number];
      const lk = k!.shape[r - 2]!;
      const batch = q!.shape.slice(0, -2);
      const same = (t: Tensor, want: readonly number[]) => shapesEqual(t.shape, want);
      const ok =
        r >= 2 &&
        same(k!, [...batch, lk, d]) &&
        v!.rank === r &&
        same(v!, [...batch, lk, v!.shape[r - 1]!]) &&
        (attrs.mask === "none" ? m === undefined : m !== undefined && same(m, [...batch, lq, lk]));
      if (!ok) {
        const shapes = [q, k, v, m].filter((t) => t).map((t) => fmt(t!.shape));
        throw new Error(`attention: kernel operands ${shapes.join(", ")} do not line up (mask ${attrs.mask})`);
      }
      if (attrs.mask === "bool" && m!.dtype !== "bool") throw new Error(`attention: a bool mask must be bool, got ${m!.dtype}`);
      if (attrs.mask === "add" && m!.dtype !== q!.dtype) throw new Error(`attention: additive mask dtype ${m!.dtype} differs from q's ${q!.dtype}`);
      return { shape: [...batch, lq, v!.shape[r - 1]!], dtype: q!.dtype };
    },
    vjp: (g, { inputs: [q, k, v, m], attrs, needsGrad }) => {
      const p = attentionProbs(q!, k!, m ?? null, attrs.scale, attrs.causal);
      const dv = needsGrad[2] ? matmul(transpose(p), g) : null;
      const maskGrad = attrs.mask === "add" && needsGrad[3] === true;
      const rest = m ? [null] : [];
      if (!needsGrad[0] && !needsGrad[1] && !maskGrad) return [null, null, dv, ...rest];
      const dp = matmul(g, transpose(v!));
      const ds = mul(p, sub(dp, sum(mul(dp, p), -1, { keepdim: true })));
      return [
        needsGrad[0] ? mul(matmul(ds, k!), attrs.scale) : null,
        needsGrad[1] ? mul(matmul(transpose(ds), q!), attrs.scale) : null,
        dv,
        ...(m ? [maskGrad ? ds : null] : []),
      ];
    },
  },
};
