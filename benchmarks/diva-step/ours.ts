/**
 * Our side of the DIVA-step benchmark: the reference configuration built with @diva/nn and stepped with
 * @diva/core's `divaStep` (one micro-batch, one noise draw) on one backend.
 */
import {
  dispose,
  flattenTree,
  foldIn,
  memory,
  normal,
  randomKey,
  sub,
  mul,
  uniform,
  useBackend,
  type Device,
  type Tensor,
} from "@diva/tensor";
import {
  applyClipVision,
  DDPMScheduler,
  initClipVision,
  initLinear,
  initUNet,
  initVAE,
  sgdInit,
  unetForward,
  vaeEncode,
  type ClipVisionParams,
} from "@diva/nn";
import { divaStep, type DivaBatch, type DivaLossContext, type DivaState, type FrozenDiffusion, type Projection } from "@diva/core";
import { BATCH, CLIP_VISION, CONDITION, IMAGE_SIZE, RECIPE, SCHEDULER, TEXT_TOKENS, UNET, VAE } from "./config.js";

/** Name -> shape of each model's parameters, as the Python side reports them. */
export type ShapeMaps = Record<"clip" | "projection" | "vae_encoder" | "unet", Record<string, number[]>>;

/** What one backend's run yields. */
export interface OurResult {
  device: Device;
  /** The adapter, for webgpu. */
  adapter?: string;
  timesMs: number[];
  warmupMs: number[];
  losses: number[];
  shapes: ShapeMaps;
  /** Live tensors after the first and the last timed step (a leak shows as growth). */
  liveTensors: [number, number];
}

function shapeMap(tree: unknown, keep: (name: string) => boolean = () => true): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [k, t] of Object.entries(flattenTree(tree))) if (keep(k)) out[k] = [...t.shape];
  return out;
}

/** Waits until every queued kernel has run (reads one value back). */
async function sync(t: Tensor): Promise<void> {
  await t.data();
}

/**
 * Builds the models on `device` and times `warmup + steps` calls of `divaStep`; each timed interval ends
 * when the updated parameters can be read back.
 */
export async function runOurs(device: Device, steps: number, warmup: number, log: (s: string) => void): Promise<OurResult> {
  const backend = await useBackend(device);
  const adapter = (backend as { adapter?: { name: string; via: string } }).adapter;
  const root = randomKey(0);
  const k = (i: number) => foldIn(root, i);

  const vision = initClipVision(k(1), CLIP_VISION, { device });
  const lin = initLinear(k(2), { in_features: CLIP_VISION.embed_dim, out_features: UNET.cross_attention_dim as number }, { device });
  const projection: Projection = { weight: lin.weight, bias: lin.bias! };
  const vae = initVAE(k(3), VAE, { device });
  const unet = initUNet(k(4), UNET, { device });
  const textEmbedding = normal(k(5), [TEXT_TOKENS, UNET.cross_attention_dim as number], { device });
  const scheduler = new DDPMScheduler(SCHEDULER);
  const scaling = VAE.scaling_factor ?? 0.18215;

  const diffusion: FrozenDiffusion = {
    encodeMean: (images) => vaeEncode(vae, images, VAE).mean,
    scalingFactor: scaling,
    predictNoise: (latents, timesteps, condition) => unetForward(unet, latents, timesteps, condition, UNET),
    scheduler,
  };
  const ctx: DivaLossContext<ClipVisionParams> = {
    visionTokens: (v, images) => applyClipVision(v, images, CLIP_VISION).projectedTokens,
    diffusion,
    condition: CONDITION,
    textEmbedding,
  };
  const clipImages = normal(k(6), [BATCH, 3, IMAGE_SIZE, IMAGE_SIZE], { device });
  const u = uniform(k(7), [BATCH, 3, IMAGE_SIZE, IMAGE_SIZE], { device });
  const vaeImages = sub(mul(u, 2), 1);
  u.dispose();
  const batch: DivaBatch = { clipImages, vaeImages };

  const shapes: ShapeMaps = {
    clip: shapeMap(vision),
    projection: shapeMap(projection),
    vae_encoder: shapeMap(vae, (n) => n.startsWith("encoder.") || n.startsWith("quant_conv.")),
    unet: shapeMap(unet),
  };

  let state: DivaState<ClipVisionParams> = { params: { vision, projection }, optimizer: sgdInit(), step: 0 };
  const options = { lr: RECIPE.lr, momentum: RECIPE.momentum, clipNorm: RECIPE.clipNorm, draws: RECIPE.draws, totalSteps: RECIPE.totalSteps, warmupSteps: RECIPE.warmupSteps };
  const stepKey = randomKey(1);
  const timesMs: number[] = [];
  const warmupMs: number[] = [];
  const losses: number[] = [];
  const live: number[] = [];
  for (let i = 0; i < warmup + steps; i++) {
    const t0 = performance.now();
    const r = await divaStep(state, [batch], ctx, options, foldIn(stepKey, i));
    await sync(r.state.params.projection.bias);
    const dt = performance.now() - t0;
    state = r.state;
    losses.push(r.loss);
    (i < warmup ? warmupMs : timesMs).push(dt);
    if (i >= warmup) live.push(memory().tensors);
    log(`  ${device} step ${i + 1}/${warmup + steps}: ${dt.toFixed(1)} ms, loss ${r.loss.toFixed(4)}`);
  }
  dispose([state.params, state.optimizer.momentum, vae, unet, textEmbedding, clipImages, vaeImages]);
  return {
    device,
    ...(adapter ? { adapter: `${adapter.name} (${adapter.via})` } : {}),
    timesMs,
    warmupMs,
    losses,
    shapes,
    liveTensors: [live[0] ?? 0, live[live.length - 1] ?? 0],
  };
}
