import { checkpoint, concat, mul, sub, tidy, type Tensor } from "@diva/tensor";
import { activationFn, checkActivation } from "../../layers/activation.js";
import { applyConv2d } from "../../layers/conv.js";
import { applyLinear } from "../../layers/linear.js";
import { applyGroupNorm } from "../../layers/norm.js";
import { resnetForward } from "../blocks/resnet.js";
import { downsampleForward, upsampleForward } from "../blocks/sampling.js";
import { transformer2dForward } from "../blocks/transformer2d.js";
import type { UNet2DConditionConfig } from "./config.js";
import type { UNetDownBlockParams, UNetMidBlockParams, UNetParams, UNetUpBlockParams } from "./params.js";
import { planUNet, type DownBlockPlan, type MidBlockPlan, type UNetPlan, type UpBlockPlan } from "./plan.js";
import { timestepEmbedding, timestepTensor, type UNetTimesteps } from "./timestep.js";

/** Receives named intermediate tensors (diffusers module names: `time_proj`, `down_blocks.0`, ...). */
type Tap = (name: string, t: Tensor) => void;

const planCache = new WeakMap<object, UNetPlan>();

/** Options of the UNet forward pass. */
export interface UNetForwardOptions {
  /**
   * Activation checkpointing: each resnet and transformer block keeps only its inputs for the backward pass
   * and is re-run there (less memory, one more forward pass of each block when differentiating).
   */
  checkpoint?: boolean;
}

/** The block functions a forward pass calls: plain, or wrapped in `checkpoint`. */
interface Blocks {
  resnet: typeof resnetForward;
  transformer: typeof transformer2dForward;
}

const PLAIN: Blocks = { resnet: resnetForward, transformer: transformer2dForward };
const CHECKPOINTED: Blocks = {
  // the specs are plain data, closed over; the tensors (params, hidden states, condition) are arguments
  resnet: (p, x, temb, spec) => checkpoint((pp: typeof p, xx: Tensor, tt: Tensor | null) => resnetForward(pp, xx, tt, spec))(p, x, temb),
  transformer: (p, x, ctx, spec, mask = null) =>
    checkpoint((pp: typeof p, xx: Tensor, cc: Tensor, mm: Tensor | null) => transformer2dForward(pp, xx, cc, spec, mm))(p, x, ctx, mask),
};

/** The resolved plan of a config object (cached per object, since configs are plain immutable data). */
function unetPlanOf(config: UNet2DConditionConfig): UNetPlan {
  let plan = planCache.get(config);
  if (!plan) {
    plan = planUNet(config);
    planCache.set(config, plan);
  }
  return plan;
}

function downBlock(p: UNetDownBlockParams, x: Tensor, temb: Tensor, ctx: Tensor, plan: DownBlockPlan, skips: Tensor[], b: Blocks): Tensor {
  let h = x;
  plan.resnets.forEach((spec, j) => {
    h = b.resnet(p.resnets[j]!, h, temb, spec);
    if (plan.attentions.length) h = b.transformer(p.attentions![j]!, h, ctx, plan.attentions[j]!);
    skips.push(h);
  });
  if (plan.downsample) {
    h = downsampleForward(p.downsamplers![0]!, h, plan.downsample.padding);
    skips.push(h);
  }
  return h;
}

function midBlock(p: UNetMidBlockParams, x: Tensor, temb: Tensor, ctx: Tensor, plan: MidBlockPlan, b: Blocks): Tensor {
  let h = b.resnet(p.resnets[0]!, x, temb, plan.resnets[0]!);
  plan.attentions.forEach((spec, j) => {
    h = b.transformer(p.attentions![j]!, h, ctx, spec);
    h = b.resnet(p.resnets[j + 1]!, h, temb, plan.resnets[j + 1]!);
  });
  return h;
}

function upBlock(p: UNetUpBlockParams, x: Tensor, temb: Tensor, ctx: Tensor, plan: UpBlockPlan, skips: Tensor[], size: [number, number] | undefined, b: Blocks): Tensor {
  let h = x;
  plan.resnets.forEach((spec, j) => {
    const skip = skips.pop();
    if (!skip) throw new Error("UNet: the up path consumed more skip connections than the down path produced");
    h = b.resnet(p.resnets[j]!, concat([h, skip], 1), temb, spec);
    if (plan.attentions.length) h = b.transformer(p.attentions![j]!, h, ctx, plan.attentions[j]!);
  });
  if (plan.upsample) h = upsampleForward(p.upsamplers![0]!, h, size);
  return h;
}

function checkInputs(sample: Tensor, ctx: Tensor, plan: UNetPlan): void {
  if (sample.rank !== 4 || sample.shape[1] !== plan.inChannels) {
    throw new Error(`UNet: sample must be [B, ${plan.inChannels}, H, W], got [${sample.shape.join(",")}]`);
  }
  const need = [...plan.down, ...(plan.mid ? [plan.mid] : [])].map((b) => b.attentions[0]?.crossAttentionDim).find((d) => d !== undefined);
  if (ctx.rank !== 3 || ctx.shape[0] !== sample.shape[0] || (need !== undefined && ctx.shape[2] !== need)) {
    throw new Error(`UNet: encoder_hidden_states must be [${sample.shape[0]}, S, ${need ?? "cross_attention_dim"}], got [${ctx.shape.join(",")}]`);
  }
}

/**
 * The forward pass, reporting intermediates to `tap`. Callers wrap it in `tidy`; each top-level block runs in a
 * scope of its own (its output and, for a down block, its skip connections survive), so a forward pass holds
 * one block's intermediates at a time. The blocks themselves do not scope (see docs/architecture.md).
 */
function unetCore(params: UNetParams, sample: Tensor, timesteps: UNetTimesteps, ctx: Tensor, plan: UNetPlan, tap: Tap | null, options: UNetForwardOptions = {}): Tensor {
  checkInputs(sample, ctx, plan);
  const blocks = options.checkpoint ? CHECKPOINTED : PLAIN;
  const B = sample.shape[0]!;
  const [H, W] = [sample.shape[2]!, sample.shape[3]!];
  const upFactor = 2 ** plan.up.filter((b) => b.upsample).length;
  const forwardSize = H % upFactor !== 0 || W % upFactor !== 0;
  const actName = checkActivation(plan.act, "act_fn");
  const act = activationFn(actName);

  const tProj = timestepEmbedding(timestepTensor(timesteps, B, sample.device), plan.timeProj.dim, plan.timeProj.flipSinToCos, plan.timeProj.freqShift);
  tap?.("time_proj", tProj);
  const te = params.time_embedding;
  let temb = applyLinear(te.linear_2, applyLinear(te.linear_1, tProj, checkActivation(plan.timeEmbedding.act, "act_fn")));
  if (plan.timeEmbedding.postAct) temb = activationFn(plan.timeEmbedding.postAct, "timestep_post_act")(temb);
  tap?.("time_embedding", temb);
  if (plan.timeEmbedAct) temb = activationFn(plan.timeEmbedAct, "time_embedding_act_fn")(temb);

  let h = plan.centerInputSample ? sub(mul(sample, 2), 1) : sample;
  h = applyConv2d(params.conv_in, h, { padding: (plan.convInKernel - 1) / 2 });
  tap?.("conv_in", h);
  const skips: Tensor[] = [h];
  plan.down.forEach((block, i) => {
    const down = tidy(() => {
      const own: Tensor[] = [];
      return { out: downBlock(params.down_blocks[i]!, h, temb, ctx, block, own, blocks), own };
    });
    h = down.out;
    skips.push(...down.own);
    tap?.(`down_blocks.${i}`, h);
  });
  if (plan.mid) {
    const x = h;
    h = tidy(() => midBlock(params.mid_block!, x, temb, ctx, plan.mid!, blocks));
    tap?.("mid_block", h);
  }
  plan.up.forEach((block, i) => {
    const rest = skips.length - block.resnets.length;
    const next = skips[rest - 1];
    const size = forwardSize && block.upsample && next ? ([next.shape[2]!, next.shape[3]!] as [number, number]) : undefined;
    const x = h;
    h = tidy(() => upBlock(params.up_blocks[i]!, x, temb, ctx, block, skips, size, blocks));
    tap?.(`up_blocks.${i}`, h);
  });
  if (plan.normOut && params.conv_norm_out) {
    const norm = { num_groups: plan.normOut.groups, eps: plan.normOut.eps };
    if (tap) {
      h = applyGroupNorm(params.conv_norm_out, h, norm);
      tap("conv_norm_out", h);
      h = act(h);
    } else h = applyGroupNorm(params.conv_norm_out, h, { ...norm, activation: actName });
  }
  return applyConv2d(params.conv_out, h, { padding: (plan.convOutKernel - 1) / 2 });
}

/**
 * UNet2DConditionModel forward (diffusers semantics): the predicted noise (or v / x0, per the checkpoint) for
 * noisy latents `sample` [B, C, H, W] at `timesteps` (one per batch element, or one for all), conditioned on
 * `encoderHiddenStates` [B, S, cross_attention_dim]. Differentiable with respect to every input tensor and
 * parameter; intermediates are freed on return.
 *
 * @example
 * ```ts
 * const eps = unetForward(params, noisyLatents, t, condition, config);
 * ```
 */
export function unetForward(
  params: UNetParams,
  sample: Tensor,
  timesteps: UNetTimesteps,
  encoderHiddenStates: Tensor,
  config: UNet2DConditionConfig,
  options: UNetForwardOptions = {},
): Tensor {
  const plan = unetPlanOf(config);
  return tidy(() => unetCore(params, sample, timesteps, encoderHiddenStates, plan, null, options));
}

/** The UNet output and its intermediates, keyed by diffusers module name. */
export interface UNetOutputWithIntermediates {
  /** The prediction, as unetForward returns it. */
  sample: Tensor;
  /** `time_proj`, `time_embedding`, `conv_in`, `down_blocks.i`, `mid_block`, `up_blocks.i`, `conv_norm_out`. */
  intermediates: Record<string, Tensor>;
}

/** {@link unetForward} that also returns the output of each top-level module (for parity checks and probes). */
export function unetForwardWithIntermediates(
  params: UNetParams,
  sample: Tensor,
  timesteps: UNetTimesteps,
  encoderHiddenStates: Tensor,
  config: UNet2DConditionConfig,
): UNetOutputWithIntermediates {
  const plan = unetPlanOf(config);
  return tidy(() => {
    const intermediates: Record<string, Tensor> = {};
    const out = unetCore(params, sample, timesteps, encoderHiddenStates, plan, (name, t) => {
      intermediates[name] = t;
    });
    return { sample: out, intermediates };
  });
}
