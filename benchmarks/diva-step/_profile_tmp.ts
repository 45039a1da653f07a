import { foldIn, normal, randomKey, valueAndGrad, noGrad, dispose, uniform, sub, mul, useBackend, type Tensor } from "@diva/tensor";
import { applyClipVision, initClipVision, initUNet, initVAE, unetForward, vaeEncode, DDPMScheduler, initLinear, sgdInit, clipGradNorm, sgdStep, type ClipVisionParams } from "@diva/nn";
import { divaLoss, encodeLatents, type FrozenDiffusion, type DivaLossContext } from "../../packages/diva/src/objective.js";
import { divaStep } from "../../packages/diva/src/step.js";
import { BATCH, CLIP_VISION, CONDITION, IMAGE_SIZE, SCHEDULER, UNET, VAE } from "./config.js";
await useBackend("cpu");
const k = (i: number) => foldIn(randomKey(0), i);
const vision = initClipVision(k(1), CLIP_VISION);
const lin = initLinear(k(2), { in_features: 256, out_features: 256 });
const projection = { weight: lin.weight, bias: lin.bias! };
const vae = initVAE(k(3), VAE);
const unet = initUNet(k(4), UNET);
const textEmbedding = normal(k(5), [77, 256]);
const scheduler = new DDPMScheduler(SCHEDULER);
const diffusion: FrozenDiffusion = { encodeMean: (x) => vaeEncode(vae, x, VAE).mean, scalingFactor: 0.18215, predictNoise: (l, t, c) => unetForward(unet, l, t, c, UNET), scheduler };
const ctx: DivaLossContext<ClipVisionParams> = { visionTokens: (v, x) => applyClipVision(v, x, CLIP_VISION).projectedTokens, diffusion, condition: CONDITION, textEmbedding };
const clipImages = normal(k(6), [BATCH, 3, IMAGE_SIZE, IMAGE_SIZE]);
const vaeImages = sub(mul(uniform(k(7), [BATCH, 3, IMAGE_SIZE, IMAGE_SIZE]), 2), 1);
const latents = encodeLatents(diffusion, vaeImages);
async function time(name: string, f: () => Promise<void>) { const ts: number[] = []; for (let i = 0; i < 4; i++) { const t0 = performance.now(); await f(); ts.push(performance.now() - t0); } ts.shift(); console.log(name, ts.map((x) => x.toFixed(0)).join(" ")); }
const params = { vision, projection };
const lg = valueAndGrad((p: typeof params) => divaLoss(p, { clipImages, vaeImages, latents }, ctx, k(9)));
await time("encodeLatents", async () => { const z = encodeLatents(diffusion, vaeImages); await z.data(); z.dispose(); });
await time("divaLoss value+grad (latents given)", async () => { const [l, g] = lg(params); await l.item(); l.dispose(); dispose(g); });
await time("clip+sgd", async () => { const [l, g] = lg(params); await l.item(); l.dispose(); const t0 = performance.now(); const [c, n] = await clipGradNorm(g, 1); const [p2, s2] = sgdStep(params, c, sgdInit(), { lr: 1e-4, momentum: 0.9 }); await p2.projection.bias.data(); console.log("   clip+sgd part", (performance.now() - t0).toFixed(0)); dispose([g, c, p2, s2.momentum]); });
let state = { params: { vision: mapClone(vision), projection: { weight: mapClone(projection.weight), bias: mapClone(projection.bias) } }, optimizer: sgdInit<typeof params>(), step: 0 };
function mapClone<T>(x: T): T { return x; }
await time("divaStep", async () => { const r = await divaStep(state as any, [{ clipImages, vaeImages }], ctx, { lr: 1e-4, momentum: 0.9, clipNorm: 1, draws: 1, totalSteps: 1000, warmupSteps: 0 }, k(10)); await r.state.params.projection.bias.data(); state = r.state as any; });
process.exit(0);
