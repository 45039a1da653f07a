import type { ResnetSpec } from "../blocks/resnet.js";
import type { Transformer2DSpec } from "../blocks/transformer2d.js";
import type { UNet2DConditionConfig } from "./config.js";

/** One down block, fully resolved. */
export interface DownBlockPlan {
  /** The diffusers block class. */
  type: "CrossAttnDownBlock2D" | "DownBlock2D";
  /** The block's resnets, in order. */
  resnets: ResnetSpec[];
  /** One Transformer2DModel per resnet for cross-attention blocks, else empty. */
  attentions: Transformer2DSpec[];
  /** Channels and padding of the stride-2 conv, or null for the last block. */
  downsample: {
    /** Channels in and out. */
    channels: number;
    /** Padding of the conv. */
    padding: number;
  } | null;
}

/** One up block, fully resolved. */
export interface UpBlockPlan {
  /** The diffusers block class. */
  type: "CrossAttnUpBlock2D" | "UpBlock2D";
  /** The block's resnets (layers_per_block + 1), each taking a skip connection. */
  resnets: ResnetSpec[];
  /** One Transformer2DModel per resnet for cross-attention blocks, else empty. */
  attentions: Transformer2DSpec[];
  /** Channels of the nearest-2x + conv upsampler, or null for the last block. */
  upsample: {
    /** Channels in and out. */
    channels: number;
  } | null;
}

/** The mid block, fully resolved. */
export interface MidBlockPlan {
  /** The diffusers block class. */
  type: "UNetMidBlock2DCrossAttn" | "UNetMidBlock2D";
  /** Two resnets with attention between them, or one without. */
  resnets: ResnetSpec[];
  /** One Transformer2DModel for the cross-attention mid block, else empty. */
  attentions: Transformer2DSpec[];
}

/** A UNet2DConditionModel config turned into explicit per-layer specs (what diffusers' constructor derives). */
export interface UNetPlan {
  /** Input latent channels. */
  inChannels: number;
  /** Output channels. */
  outChannels: number;
  /** Kernel size of conv_in. */
  convInKernel: number;
  /** Kernel size of conv_out. */
  convOutKernel: number;
  /** Map the input from [0, 1] to [-1, 1]. */
  centerInputSample: boolean;
  /** Sinusoidal features: width, flip_sin_to_cos, downscale_freq_shift. */
  timeProj: {
    /** Number of features. */
    dim: number;
    /** [cos, sin] order. */
    flipSinToCos: boolean;
    /** downscale_freq_shift. */
    freqShift: number;
  };
  /** TimestepEmbedding widths and activations. */
  timeEmbedding: {
    /** Input width (the sinusoidal features). */
    inDim: number;
    /** Output width. */
    dim: number;
    /** Activation between the two linears. */
    act: string;
    /** Activation after the second linear, or null. */
    postAct: string | null;
  };
  /** Activation applied to the embedding before the blocks (time_embedding_act_fn), or null. */
  timeEmbedAct: string | null;
  /** Activation of the resnets and before conv_out. */
  act: string;
  /** The down blocks. */
  down: DownBlockPlan[];
  /** The mid block, or null. */
  mid: MidBlockPlan | null;
  /** The up blocks. */
  up: UpBlockPlan[];
  /** conv_norm_out groups and eps, or null when norm_num_groups is null. */
  normOut: {
    /** Channels normalised. */
    channels: number;
    /** GroupNorm groups. */
    groups: number;
    /** GroupNorm epsilon. */
    eps: number;
  } | null;
  /** block_out_channels[0], the width of conv_in's output. */
  blockOut0: number;
}

type PerBlock<T> = T | readonly T[];

function perBlock<T>(value: PerBlock<T>, n: number, field: string): T[] {
  if (Array.isArray(value)) {
    if (value.length !== n) throw new Error(`UNet config: ${field} has ${value.length} entries for ${n} down blocks`);
    return [...(value as readonly T[])];
  }
  return Array.from({ length: n }, () => value as T);
}

/** Rejects a field set to something this implementation does not support. */
function unsupported(config: UNet2DConditionConfig, field: keyof UNet2DConditionConfig, ok: (v: unknown) => boolean, what: string): void {
  const v = config[field];
  if (v !== undefined && !ok(v)) throw new Error(`UNet config: ${field} = ${JSON.stringify(v)} is not supported (${what})`);
}

const isNullish = (v: unknown): boolean => v === null || v === undefined;

/**
 * Resolves a diffusers UNet2DConditionModel config into per-layer specs, following the constructor of
 * diffusers 0.3x: heads = num_attention_heads ?? attention_head_dim (the naming quirk), head width =
 * channels / heads, up blocks take the reversed per-block lists and layers_per_block + 1 resnets.
 */
export function planUNet(config: UNet2DConditionConfig): UNetPlan {
  unsupported(config, "class_embed_type", isNullish, "class embeddings");
  unsupported(config, "num_class_embeds", isNullish, "class embeddings");
  unsupported(config, "addition_embed_type", isNullish, "added embeddings (SDXL)");
  unsupported(config, "encoder_hid_dim", isNullish, "encoder_hid_proj");
  unsupported(config, "encoder_hid_dim_type", isNullish, "encoder_hid_proj");
  unsupported(config, "time_cond_proj_dim", isNullish, "timestep_cond (LCM)");
  unsupported(config, "dual_cross_attention", (v) => v === false, "dual cross-attention");
  unsupported(config, "attention_type", (v) => v === "default", "gated attention (GLIGEN)");
  unsupported(config, "time_embedding_type", (v) => v === "positional", "only positional (sinusoidal) timestep embeddings");
  unsupported(config, "resnet_time_scale_shift", (v) => v === "default" || v === "scale_shift", "default or scale_shift");
  unsupported(config, "norm_num_groups", (v) => typeof v === "number", "norm_num_groups must be a number");
  unsupported(config, "class_embeddings_concat", (v) => v === false, "class embeddings");

  const down_types = config.down_block_types ?? ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"];
  const up_types = config.up_block_types ?? ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"];
  const boc = [...(config.block_out_channels ?? [320, 640, 1280, 1280])];
  const n = down_types.length;
  if (up_types.length !== n) throw new Error(`UNet config: ${n} down_block_types but ${up_types.length} up_block_types`);
  if (boc.length !== n) throw new Error(`UNet config: block_out_channels has ${boc.length} entries for ${n} down blocks`);

  const groups = config.norm_num_groups ?? 32;
  const eps = config.norm_eps ?? 1e-5;
  const act = config.act_fn ?? "silu";
  const timeScaleShift = (config.resnet_time_scale_shift ?? "default") as "default" | "scale_shift";
  const heads = perBlock(config.num_attention_heads ?? config.attention_head_dim ?? 8, n, "attention_head_dim");
  const crossDims = perBlock(config.cross_attention_dim ?? 1280, n, "cross_attention_dim");
  const layers = perBlock(config.layers_per_block ?? 2, n, "layers_per_block");
  const tLayers = perBlock<number | readonly number[]>(config.transformer_layers_per_block ?? 1, n, "transformer_layers_per_block");
  const onlyCross = perBlock(config.only_cross_attention ?? false, n, "only_cross_attention");
  const linearProjection = config.use_linear_projection ?? false;
  const timeDim = config.time_embedding_dim ?? boc[0]! * 4;

  const resnet = (inC: number, outC: number, outputScaleFactor = 1): ResnetSpec => ({
    inChannels: inC,
    outChannels: outC,
    tembChannels: timeDim,
    groups,
    groupsOut: groups,
    eps,
    act,
    outputScaleFactor,
    timeEmbeddingNorm: timeScaleShift,
  });
  const transformer = (channels: number, h: number, numLayers: number, crossDim: number, only: boolean): Transformer2DSpec => {
    if (!Number.isInteger(h) || h < 1 || h > channels) throw new Error(`UNet config: ${h} attention heads for ${channels} channels`);
    return { channels, heads: h, headDim: Math.floor(channels / h), layers: numLayers, crossAttentionDim: crossDim, groups, linearProjection, onlyCrossAttention: only };
  };
  const layerCount = (spec: number | readonly number[], i: number): number => (typeof spec === "number" ? spec : spec[i]!);

  const down: DownBlockPlan[] = [];
  let outC = boc[0]!;
  for (let i = 0; i < n; i++) {
    const type = down_types[i]!;
    if (type !== "CrossAttnDownBlock2D" && type !== "DownBlock2D") {
      throw new Error(`UNet config: down_block_types[${i}] = ${JSON.stringify(type)} is not supported (CrossAttnDownBlock2D, DownBlock2D)`);
    }
    const inC = outC;
    outC = boc[i]!;
    const cross = type === "CrossAttnDownBlock2D";
    down.push({
      type,
      resnets: Array.from({ length: layers[i]! }, (_, j) => resnet(j === 0 ? inC : outC, outC)),
      attentions: cross ? Array.from({ length: layers[i]! }, (_, j) => transformer(outC, heads[i]!, layerCount(tLayers[i]!, j), crossDims[i]!, onlyCross[i]!)) : [],
      downsample: i < n - 1 ? { channels: outC, padding: config.downsample_padding ?? 1 } : null,
    });
  }

  const midType = config.mid_block_type === undefined ? "UNetMidBlock2DCrossAttn" : config.mid_block_type;
  let mid: MidBlockPlan | null = null;
  const last = boc[n - 1]!;
  const midScale = config.mid_block_scale_factor ?? 1;
  if (midType === "UNetMidBlock2DCrossAttn") {
    mid = {
      type: midType,
      resnets: [resnet(last, last, midScale), resnet(last, last, midScale)],
      attentions: [transformer(last, heads[n - 1]!, layerCount(tLayers[n - 1]!, 0), crossDims[n - 1]!, false)],
    };
  } else if (midType === "UNetMidBlock2D") {
    mid = { type: midType, resnets: [resnet(last, last, midScale)], attentions: [] };
  } else if (midType !== null) {
    throw new Error(`UNet config: mid_block_type ${JSON.stringify(midType)} is not supported (UNetMidBlock2DCrossAttn, UNetMidBlock2D, null)`);
  }

  const rBoc = [...boc].reverse();
  const rHeads = [...heads].reverse();
  const rLayers = [...layers].reverse();
  const rCross = [...crossDims].reverse();
  const rOnly = [...onlyCross].reverse();
  const rTLayers = config.reverse_transformer_layers_per_block ?? [...tLayers].reverse();
  const up: UpBlockPlan[] = [];
  outC = rBoc[0]!;
  for (let i = 0; i < n; i++) {
    const type = up_types[i]!;
    if (type !== "CrossAttnUpBlock2D" && type !== "UpBlock2D") {
      throw new Error(`UNet config: up_block_types[${i}] = ${JSON.stringify(type)} is not supported (CrossAttnUpBlock2D, UpBlock2D)`);
    }
    const prevC = outC;
    outC = rBoc[i]!;
    const inC = rBoc[Math.min(i + 1, n - 1)]!;
    const numLayers = rLayers[i]! + 1;
    const cross = type === "CrossAttnUpBlock2D";
    up.push({
      type,
      resnets: Array.from({ length: numLayers }, (_, j) => resnet((j === 0 ? prevC : outC) + (j === numLayers - 1 ? inC : outC), outC)),
      attentions: cross ? Array.from({ length: numLayers }, (_, j) => transformer(outC, rHeads[i]!, layerCount(rTLayers[i]!, j), rCross[i]!, rOnly[i]!)) : [],
      upsample: i < n - 1 ? { channels: outC } : null,
    });
  }

  return {
    inChannels: config.in_channels ?? 4,
    outChannels: config.out_channels ?? 4,
    convInKernel: config.conv_in_kernel ?? 3,
    convOutKernel: config.conv_out_kernel ?? 3,
    centerInputSample: config.center_input_sample ?? false,
    timeProj: { dim: boc[0]!, flipSinToCos: config.flip_sin_to_cos ?? true, freqShift: config.freq_shift ?? 0 },
    timeEmbedding: { inDim: boc[0]!, dim: timeDim, act, postAct: config.timestep_post_act ?? null },
    timeEmbedAct: config.time_embedding_act_fn ?? null,
    act,
    down,
    mid,
    up,
    normOut: { channels: boc[0]!, groups, eps },
    blockOut0: boc[0]!,
  };
}
