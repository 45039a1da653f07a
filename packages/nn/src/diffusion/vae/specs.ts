import type { ResnetSpec } from "../blocks/resnet.js";
import { resnetShapes } from "../blocks/resnet.js";
import { samplerShapes } from "../blocks/sampling.js";
import { countParams, prefixSpecs, type SpecsOf } from "../../checkpoint-names/specs.js";
import { diffusersAttentionSpecs } from "../../layers/attention.js";
import { groupNormSpecs } from "../../layers/norm.js";
import { ShapeBuilder, type ParamShapes } from "../blocks/specs.js";
import { resolveVAEConfig, type AutoencoderKLConfig, type ResolvedVAEConfig } from "./config.js";
import type { VAEParams } from "./params.js";

/** Epsilon of every GroupNorm in the VAE. */
export const VAE_EPS = 1e-6;

/** The spec of a VAE resnet (no time embedding, eps 1e-6). */
export function vaeResnet(c: ResolvedVAEConfig, inC: number, outC: number): ResnetSpec {
  return { inChannels: inC, outChannels: outC, tembChannels: null, groups: c.groups, groupsOut: c.groups, eps: VAE_EPS, act: c.act, outputScaleFactor: 1, timeEmbeddingNorm: "default" };
}

function midShapes(b: ShapeBuilder, c: ResolvedVAEConfig, channels: number): void {
  if (c.midBlockAttention) {
    // diffusers' Attention with group_norm (single head, biased q/k/v), converted from the LDM AttnBlock
    b.at("attentions").layer(0, {
      ...prefixSpecs("group_norm.", groupNormSpecs({ num_groups: c.groups, num_channels: channels })),
      ...diffusersAttentionSpecs({ query_dim: channels, heads: 1, dim_head: channels, bias: true }),
    });
  }
  resnetShapes(b.at("resnets").at(0), vaeResnet(c, channels, channels));
  resnetShapes(b.at("resnets").at(1), vaeResnet(c, channels, channels));
}

/** Names and shapes (and initialisers) of an AutoencoderKL's parameters, in diffusers' state_dict order. */
function vaeShapeBuilder(config: AutoencoderKLConfig): ShapeBuilder {
  const c = resolveVAEConfig(config);
  const boc = c.blockOutChannels;
  const last = boc[boc.length - 1]!;
  const b = new ShapeBuilder();
  const enc = b.at("encoder");
  enc.conv("conv_in", c.inChannels, boc[0]!, 3);
  let outC = boc[0]!;
  boc.forEach((channels, i) => {
    const inC = outC;
    outC = channels;
    const d = enc.at("down_blocks").at(i);
    for (let j = 0; j < c.layersPerBlock; j++) resnetShapes(d.at("resnets").at(j), vaeResnet(c, j === 0 ? inC : outC, outC));
    if (i < boc.length - 1) samplerShapes(d.at("downsamplers").at(0), outC);
  });
  midShapes(enc.at("mid_block"), c, last);
  enc.norm("conv_norm_out", last);
  enc.conv("conv_out", last, 2 * c.latentChannels, 3);

  const dec = b.at("decoder");
  dec.conv("conv_in", c.latentChannels, last, 3);
  const rev = [...boc].reverse();
  outC = rev[0]!;
  rev.forEach((channels, i) => {
    const inC = outC;
    outC = channels;
    const u = dec.at("up_blocks").at(i);
    for (let j = 0; j <= c.layersPerBlock; j++) resnetShapes(u.at("resnets").at(j), vaeResnet(c, j === 0 ? inC : outC, outC));
    if (i < boc.length - 1) samplerShapes(u.at("upsamplers").at(0), outC);
  });
  midShapes(dec.at("mid_block"), c, last);
  dec.norm("conv_norm_out", boc[0]!);
  dec.conv("conv_out", boc[0]!, c.outChannels, 3);

  if (c.useQuantConv) b.conv("quant_conv", 2 * c.latentChannels, 2 * c.latentChannels, 1);
  if (c.usePostQuantConv) b.conv("post_quant_conv", c.latentChannels, c.latentChannels, 1);
  return b;
}

/** The spec table of an AutoencoderKL (its checkpoint names, shapes and initialisers), typed as the tree it describes. */
export function vaeSpecs(config: AutoencoderKLConfig): SpecsOf<VAEParams> {
  return vaeShapeBuilder(config).specs;
}

/** Checkpoint name -> shape of every AutoencoderKL parameter. */
export function vaeParamShapes(config: AutoencoderKLConfig): ParamShapes {
  return vaeShapeBuilder(config).shapes();
}

/** The number of parameters of an AutoencoderKL (SD-2.1-base: 83,653,863). */
export function vaeParamCount(config: AutoencoderKLConfig): number {
  return countParams(vaeShapeBuilder(config).specs);
}
