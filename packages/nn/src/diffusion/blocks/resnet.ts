import { add, chunk, div, mul, reshape, type Tensor } from "@diva/tensor";
import { applyActivation, checkActivation } from "../../layers/activation.js";
import { applyConv2d } from "../../layers/conv.js";
import { applyLinear } from "../../layers/linear.js";
import { applyGroupNorm } from "../../layers/norm.js";
import type { ResnetBlock2DParams } from "./params.js";
import type { ShapeBuilder } from "./specs.js";

/** Everything that fixes a `ResnetBlock2D`. */
export interface ResnetSpec {
  inChannels: number;
  outChannels: number;
  /** Width of the time embedding, or null for blocks without one (the VAE). */
  tembChannels: number | null;
  groups: number;
  groupsOut: number;
  eps: number;
  act: string;
  /** The output is (shortcut + residual) / outputScaleFactor. */
  outputScaleFactor: number;
  /** "default" adds the projected embedding before norm2; "scale_shift" modulates after it. */
  timeEmbeddingNorm: "default" | "scale_shift";
}

/** Declares the parameters of a `ResnetBlock2D`. */
export function resnetShapes(b: ShapeBuilder, s: ResnetSpec): void {
  b.norm("norm1", s.inChannels);
  b.conv("conv1", s.inChannels, s.outChannels, 3);
  if (s.tembChannels !== null) {
    b.linear("time_emb_proj", s.tembChannels, s.timeEmbeddingNorm === "scale_shift" ? 2 * s.outChannels : s.outChannels);
  }
  b.norm("norm2", s.outChannels);
  b.conv("conv2", s.outChannels, s.outChannels, 3);
  if (s.inChannels !== s.outChannels) b.conv("conv_shortcut", s.inChannels, s.outChannels, 1);
}

/**
 * `ResnetBlock2D.forward`: norm1, act, conv1, (+ proj(act(temb))), norm2, act, conv2, plus the (projected) input,
 * divided by the output scale factor. Dropout is the identity (inference and DIVA's frozen UNet).
 */
export function resnetForward(p: ResnetBlock2DParams, x: Tensor, temb: Tensor | null, s: ResnetSpec): Tensor {
  const actName = checkActivation(s.act, "act_fn");
  const act = (y: Tensor) => applyActivation(y, actName);
  const norm1 = { num_groups: s.groups, eps: s.eps, activation: actName };
  const norm2 = { num_groups: s.groupsOut, eps: s.eps };
  let h = applyConv2d(p.conv1, applyGroupNorm(p.norm1, x, norm1), { padding: 1 });
  let t: Tensor | null = null;
  if (p.time_emb_proj && temb) {
    const proj = applyLinear(p.time_emb_proj, act(temb));
    t = reshape(proj, [proj.shape[0]!, proj.shape[1]!, 1, 1]);
  }
  if (s.timeEmbeddingNorm === "scale_shift") {
    if (!t) throw new Error("ResnetBlock2D: time_embedding_norm scale_shift needs a time embedding");
    const [scale, shift] = chunk(t, 2, 1) as [Tensor, Tensor];
    h = act(add(mul(applyGroupNorm(p.norm2, h, norm2), add(scale, 1)), shift));
  } else {
    if (t) h = add(h, t);
    h = applyGroupNorm(p.norm2, h, { ...norm2, activation: actName });
  }
  h = applyConv2d(p.conv2, h, { padding: 1 });
  const shortcut = p.conv_shortcut ? applyConv2d(p.conv_shortcut, x) : x;
  const out = add(shortcut, h);
  return s.outputScaleFactor === 1 ? out : div(out, s.outputScaleFactor);
}
