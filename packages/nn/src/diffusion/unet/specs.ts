import { resnetShapes } from "../blocks/resnet.js";
import { samplerShapes } from "../blocks/sampling.js";
import { countParams, type SpecsOf } from "../../checkpoint-names/specs.js";
import { ShapeBuilder, type ParamShapes } from "../blocks/specs.js";
import { transformer2dShapes } from "../blocks/transformer2d.js";
import type { UNet2DConditionConfig } from "./config.js";
import type { UNetParams } from "./params.js";
import { planUNet, type UNetPlan } from "./plan.js";

/** Names and shapes (and initialisers) of a UNet's parameters, in diffusers' state_dict order. */
function unetShapeBuilder(config: UNet2DConditionConfig | UNetPlan): ShapeBuilder {
  const plan = "down" in config && "timeProj" in config ? (config as UNetPlan) : planUNet(config as UNet2DConditionConfig);
  const b = new ShapeBuilder();
  b.conv("conv_in", plan.inChannels, plan.blockOut0, plan.convInKernel);
  const te = b.at("time_embedding");
  te.linear("linear_1", plan.timeEmbedding.inDim, plan.timeEmbedding.dim);
  te.linear("linear_2", plan.timeEmbedding.dim, plan.timeEmbedding.dim);
  plan.down.forEach((block, i) => {
    const d = b.at("down_blocks").at(i);
    block.attentions.forEach((a, j) => transformer2dShapes(d.at("attentions").at(j), a));
    block.resnets.forEach((r, j) => resnetShapes(d.at("resnets").at(j), r));
    if (block.downsample) samplerShapes(d.at("downsamplers").at(0), block.downsample.channels);
  });
  plan.up.forEach((block, i) => {
    const u = b.at("up_blocks").at(i);
    block.attentions.forEach((a, j) => transformer2dShapes(u.at("attentions").at(j), a));
    block.resnets.forEach((r, j) => resnetShapes(u.at("resnets").at(j), r));
    if (block.upsample) samplerShapes(u.at("upsamplers").at(0), block.upsample.channels);
  });
  if (plan.mid) {
    const m = b.at("mid_block");
    plan.mid.attentions.forEach((a, j) => transformer2dShapes(m.at("attentions").at(j), a));
    plan.mid.resnets.forEach((r, j) => resnetShapes(m.at("resnets").at(j), r));
  }
  if (plan.normOut) b.norm("conv_norm_out", plan.normOut.channels);
  b.conv("conv_out", plan.blockOut0, plan.outChannels, plan.convOutKernel);
  return b;
}

/** The spec table of a UNet (its checkpoint names, shapes and initialisers), typed as the tree it describes. */
export function unetSpecs(config: UNet2DConditionConfig | UNetPlan): SpecsOf<UNetParams> {
  return unetShapeBuilder(config).specs;
}

/** Checkpoint name -> shape of every UNet parameter. */
export function unetParamShapes(config: UNet2DConditionConfig): ParamShapes {
  return unetShapeBuilder(config).shapes();
}

/** The number of parameters of a UNet (SD-2.1-base: 865,910,724). */
export function unetParamCount(config: UNet2DConditionConfig): number {
  return countParams(unetShapeBuilder(config).specs);
}
