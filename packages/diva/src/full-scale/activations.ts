/**
 * Analytic estimate of the activations a DIVA step keeps for its backward pass, from the model configs.
 *
 * What our autograd keeps: every op recorded on the tape holds its inputs and its output until the gradient
 * computation ends, so the memory kept is the sum of the outputs of the recorded ops (views share storage and
 * cost nothing). An op is recorded when one of its inputs is being differentiated: every op of the CLIP
 * tower, and in the frozen UNet every op downstream of the condition. Op counts per layer, from the layer code:
 * - linear with bias: the matmul output and the bias (+activation) output; without bias: the matmul output;
 *   conv with bias: the conv output and the bias add (a 1x1 conv is a matmul and an add);
 * - layer norm and group norm (+SiLU): one fused output; attention: one fused output [B, heads, L, d], then a
 *   contiguous copy when heads are merged back; residual add, GELU, GEGLU's product, concat: one output each.
 * Per ViT block (N tokens, width W, MLP M): ln_1, in_proj (2 x 3W), attention, merge, out_proj (2), add, ln_2,
 * c_fc (2 x M), c_proj (2), add = 16 N W + 2 N M elements. Per UNet resnet (in Ci, out Co, P pixels): norm1 Ci P,
 * conv1 2 Co P, + temb Co P, norm2 Co P, conv2 2 Co P, shortcut 2 Co P when Ci != Co, add Co P (up blocks: the
 * concat Ci P more). Per Transformer2D (C channels, T tokens, S context tokens): norm, proj_in 2CT; per
 * BasicTransformerBlock: self-attention 9CT, cross-attention 7CT + 2SC (k and v of the context), GEGLU
 * feed-forward 28CT; proj_out 2CT and the residual CT.
 * Assumptions: float32 activations; the UNet's recorded region starts at the first cross-attention (the ops
 * before it read no differentiated tensor; the few tensors of that prefix that later ops read are counted
 * anyway, as a margin); the VAE runs without gradient (only transient memory); im2col buffers, the attention
 * backward's per-head scores and other kernel scratch are transient and not counted here.
 * With activation checkpointing each block keeps only its inputs (and output) instead.
 */
import { planUNet, resolveTimmVit, resolveVitTower, timmTrunkConfig, usesTimmTower, type OpenClipConfig, type UNet2DConditionConfig } from "@diva/nn";

/** One line of the estimate. */
export interface ActivationItem {
  /** Where (e.g. "CLIP blocks", "UNet down_blocks.0"). */
  readonly part: string;
  /** Float32 elements kept. */
  readonly elements: number;
}

/** Kept activations of the CLIP vision tower for `batch` images, with or without checkpointing. */
export function clipActivationItems(config: OpenClipConfig, batch: number, checkpoint: boolean): ActivationItem[] {
  let tokens: number;
  let width: number;
  let mlp: number;
  let layers: number;
  if (usesTimmTower(config)) {
    const s = resolveTimmVit(timmTrunkConfig(config));
    tokens = s.grid[0] * s.grid[1] + s.numPrefixTokens;
    width = s.width;
    mlp = s.mlpWidth;
    layers = s.depth;
  } else {
    const s = resolveVitTower(config);
    tokens = s.grid[0] * s.grid[1] + 1;
    width = s.width;
    mlp = s.mlpWidth;
    layers = s.layers;
  }
  const N = batch * tokens;
  const block = checkpoint ? N * width : 16 * N * width + 2 * N * mlp;
  // patch embedding conv, class-token concat, + positions, ln_pre; after the blocks ln_post and the projection
  const embed = 4 * N * width;
  const head = 2 * N * width;
  return [
    { part: "CLIP patch embedding and ln_pre", elements: embed },
    { part: `CLIP ${layers} blocks${checkpoint ? " (checkpointed: block inputs)" : ""}`, elements: layers * block },
    { part: "CLIP ln_post and projection", elements: head },
  ];
}

/** Kept activations of the UNet for `batch` latents of `latentSize`, conditioned on `contextTokens` tokens. */
export function unetActivationItems(config: UNet2DConditionConfig, batch: number, latentSize: number, contextTokens: number, checkpoint: boolean): ActivationItem[] {
  const plan = planUNet(config);
  const items: ActivationItem[] = [];
  let side = latentSize;
  let recording = false;
  const resnet = (ci: number, co: number, P: number, concat: boolean): number =>
    checkpoint ? (ci + co) * P : (concat ? ci * P : 0) + ci * P + 7 * co * P + (ci !== co ? 2 * co * P : 0);
  const transformer = (C: number, T: number, layers: number, S: number, D: number): number => {
    if (checkpoint) return 2 * C * T + S * D;
    return 3 * C * T + layers * (44 * C * T + 2 * S * C) + 3 * C * T;
  };
  const S = contextTokens * batch;
  plan.down.forEach((b, i) => {
    const P = batch * side * side;
    let n = 0;
    b.resnets.forEach((r, j) => {
      const a = b.attentions[j];
      if (recording) n += resnet(r.inChannels, r.outChannels, P, false);
      if (a) {
        recording = true;
        n += transformer(a.channels, P, a.layers, S, a.crossAttentionDim);
      }
    });
    if (b.downsample && recording) n += (checkpoint ? 1 : 2) * b.downsample.channels * (P / 4);
    if (b.downsample) side = Math.ceil(side / 2);
    items.push({ part: `UNet down_blocks.${i}`, elements: n });
  });
  if (plan.mid) {
    const P = batch * side * side;
    let n = 0;
    for (const r of plan.mid.resnets) n += resnet(r.inChannels, r.outChannels, P, false);
    for (const a of plan.mid.attentions) n += transformer(a.channels, P, a.layers, S, a.crossAttentionDim);
    items.push({ part: "UNet mid_block", elements: n });
  }
  plan.up.forEach((b, i) => {
    const P = batch * side * side;
    let n = 0;
    b.resnets.forEach((r, j) => {
      n += resnet(r.inChannels, r.outChannels, P, true);
      const a = b.attentions[j];
      if (a) n += transformer(a.channels, P, a.layers, S, a.crossAttentionDim);
    });
    if (b.upsample) {
      side *= 2;
      // nearest 2x upsampling, then a conv with bias
      n += (checkpoint ? 1 : 3) * b.upsample.channels * batch * side * side;
    }
    items.push({ part: `UNet up_blocks.${i}`, elements: n });
  });
  const out = plan.outChannels * batch * side * side;
  items.push({ part: "UNet conv_norm_out, conv_out and the loss", elements: (config.block_out_channels?.[0] ?? 320) * batch * side * side + 3 * out });
  return items;
}

/** The largest single activations of a step (for buffer-size checks), float32 elements each. */
export function largestActivations(clip: OpenClipConfig, unet: UNet2DConditionConfig, batch: number, vaeSize: number, vaeChannels: readonly number[], latentSize: number): { name: string; elements: number }[] {
  const out: { name: string; elements: number }[] = [];
  const vit = usesTimmTower(clip) ? resolveTimmVit(timmTrunkConfig(clip)) : null;
  const s = vit ? { tokens: vit.grid[0] * vit.grid[1] + vit.numPrefixTokens, mlp: vit.mlpWidth } : (() => {
    const t = resolveVitTower(clip);
    return { tokens: t.grid[0] * t.grid[1] + 1, mlp: t.mlpWidth };
  })();
  out.push({ name: "CLIP MLP hidden [B, tokens, mlp]", elements: batch * s.tokens * s.mlp });
  out.push({ name: `VAE encoder first level [B, ${vaeChannels[0]}, ${vaeSize}, ${vaeSize}]`, elements: batch * vaeChannels[0]! * vaeSize * vaeSize });
  out.push({ name: `VAE encoder im2col of the first 3x3 conv [B, ${vaeSize}x${vaeSize}, ${9 * vaeChannels[0]!}]`, elements: batch * vaeSize * vaeSize * 9 * vaeChannels[0]! });
  const plan = planUNet(unet);
  const a = plan.down[0]?.attentions[0];
  if (a) {
    const T = latentSize * latentSize;
    out.push({ name: `UNet GEGLU hidden [B, ${T}, ${8 * a.channels}]`, elements: batch * T * 8 * a.channels });
    out.push({ name: `UNet self-attention scores [B, ${a.heads}, ${T}, ${T}] (materialised in the backward / unfused attention)`, elements: batch * a.heads * T * T });
  }
  return out;
}
