/**
 * The computation the browser check runs on each device: a tiny conv + attention network's loss and its
 * gradient with respect to every parameter. Inputs come from one random key, so every device sees the same
 * numbers (random draws are made on the host and uploaded).
 */
import {
  conv2d,
  crossEntropy,
  flatten,
  gelu,
  groupNorm,
  layerNorm,
  linear,
  normal,
  randomKey,
  scaledDotProductAttention,
  splitKey,
  tensor,
  tidy,
  transpose,
  valueAndGrad,
  type Device,
  type RandomKey,
  type Tensor,
} from "@diva/tensor";

/** Parameters of the check network, keyed by name. */
export type CheckParams = Record<"conv" | "convBias" | "norm" | "proj" | "head", Tensor>;

/** What one device computed: the loss, the logits (forward) and each parameter's gradient, as plain arrays. */
export interface CheckResult {
  readonly device: Device;
  readonly loss: number;
  readonly logits: number[];
  readonly grads: Record<string, number[]>;
}

/** Logits of the network: conv 3x3 -> group norm -> GELU -> tokens -> self-attention -> layer norm -> head. */
function forward(p: CheckParams, x: Tensor): Tensor {
  const h = gelu(groupNorm(conv2d(x, p.conv, p.convBias, { padding: 1 }), 2));
  const tokens = transpose(flatten(h, 2), 1, 2); // [N, H*W, C]
  const q = linear(tokens, p.proj);
  const a = scaledDotProductAttention(q, tokens, tokens);
  const n = layerNorm(a, [a.shape[2]!], p.norm);
  return linear(flatten(n, 1), p.head);
}

/** Runs the forward and backward pass on `device` and reads the results back. */
export async function runCheck(device: Device): Promise<CheckResult> {
  const keys = splitKey(randomKey(7), 6);
  const key = (i: number): RandomKey => keys[i]!;
  const C = 4;
  const S = 4;
  const classes = 3;
  const x = normal(key(0), [2, 3, S, S], { device });
  const params: CheckParams = {
    conv: normal(key(1), [C, 3, 3, 3], { device }).mul(0.3),
    convBias: normal(key(2), [C], { device }).mul(0.1),
    norm: normal(key(3), [C], { device }).add(1),
    proj: normal(key(4), [C, C], { device }).mul(0.5),
    head: normal(key(5), [classes, S * S * C], { device }).mul(0.2),
  };
  const labels = tensor([0, 2], { dtype: "int32", device });
  const loss = (p: CheckParams) => crossEntropy(forward(p, x), labels);
  const [value, grads] = valueAndGrad(loss)(params);
  const logits = tidy(() => forward(params, x));
  const out: Record<string, number[]> = {};
  for (const [name, g] of Object.entries(grads)) out[name] = Array.from(await g.data());
  return { device, loss: await value.item(), logits: Array.from(await logits.data()), grads: out };
}
