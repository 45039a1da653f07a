/**
 * CLIP-blind pair selection, as MMVP chose its pairs: among a pattern's candidate pairs, keep those a vision-only
 * embedding tells apart (here the VAE's latents: the RMS of the pair's latent difference, in the scaled latent
 * space where one unit is one standard deviation of the diffusion model's data), and of those the ones whose
 * CLIP image embeddings are closest (highest cosine). The selection uses the CLIP before any post-training and is
 * the same for every arm of a run.
 */
import { mean, mul, noGrad, sqrt, square, sub, sum, tidy, type Tensor } from "@diva/tensor";
import { encodeImage, vaeEncode } from "@diva/nn";
import type { DemoModels } from "../models/store.js";
import type { MmvpPatternName, PairSelector, ScenePair } from "../world/index.js";
import { clipTensor, vaeTensor } from "./world-sets.js";

/** The selection rule. */
export const CLIP_BLIND_RULE = {
  /** A pair is "told apart" by the VAE when its scaled latents differ by at least this RMS. */
  minVaeSeparation: 0.05,
} as const;

/** What the selection saw, per pattern (for the report). */
export interface ClipBlindStats {
  readonly candidates: number;
  /** Candidates the VAE told apart. */
  readonly vaeSeparated: number;
  /** CLIP cosine of the chosen pairs: lowest and median. */
  readonly chosenClipCosineMin: number;
  readonly chosenClipCosineMedian: number;
  /** Median CLIP cosine over all candidates (how blind the CLIP is before selection). */
  readonly candidateClipCosineMedian: number;
  /** Median VAE separation of the chosen pairs. */
  readonly chosenVaeSeparationMedian: number;
}

const median = (v: readonly number[]): number => {
  if (v.length === 0) return Number.NaN;
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Per candidate pair: CLIP image-embedding cosine and VAE latent separation (RMS of the scaled difference). */
export async function pairScores(models: DemoModels, pairs: readonly ScenePair[], sizes: { clip: number; vae: number }, chunk = 64): Promise<{ clipCosine: number[]; vaeSeparation: number[] }> {
  const clipCosine: number[] = [];
  const vaeSeparation: number[] = [];
  const scale = models.vaeConfig.scaling_factor ?? 1;
  for (let s = 0; s < pairs.length; s += chunk) {
    const part = pairs.slice(s, s + chunk);
    const [cos, sep] = noGrad(() => tidy(() => {
      const a = part.map((p) => p.scenes[0]);
      const b = part.map((p) => p.scenes[1]);
      const ea = encodeImage(models.clip, models.clipConfig, clipTensor(a, sizes.clip), { normalize: true });
      const eb = encodeImage(models.clip, models.clipConfig, clipTensor(b, sizes.clip), { normalize: true });
      const c = sum(mul(ea, eb), 1);
      const za = mul(vaeEncode(models.vae, vaeTensor(a, sizes.vae), models.vaeConfig).mean, scale);
      const zb = mul(vaeEncode(models.vae, vaeTensor(b, sizes.vae), models.vaeConfig).mean, scale);
      const d = sqrt(mean(square(sub(za, zb)).reshape([part.length, -1]), 1));
      return [c, d] as [Tensor, Tensor];
    }));
    clipCosine.push(...(await cos.data()));
    vaeSeparation.push(...(await sep.data()));
    cos.dispose();
    sep.dispose();
  }
  return { clipCosine, vaeSeparation };
}

/**
 * Picks, per pattern, the `count` candidates with the highest CLIP cosine among those the VAE separates (if fewer
 * than `count` are separated, the most separated of the rest fill up, and the stats say so). `stats` receives
 * what the selection saw per pattern.
 */
export function clipBlindSelector(models: DemoModels, sizes: { clip: number; vae: number }, stats: Partial<Record<MmvpPatternName, ClipBlindStats>>): PairSelector {
  return async (type, candidates, count) => {
    const { clipCosine, vaeSeparation } = await pairScores(models, candidates, sizes);
    const idx = candidates.map((_, i) => i);
    const separated = idx.filter((i) => vaeSeparation[i]! >= CLIP_BLIND_RULE.minVaeSeparation);
    const rest = idx.filter((i) => vaeSeparation[i]! < CLIP_BLIND_RULE.minVaeSeparation);
    const chosen = [
      ...separated.sort((i, j) => clipCosine[j]! - clipCosine[i]! || i - j),
      ...rest.sort((i, j) => vaeSeparation[j]! - vaeSeparation[i]! || i - j),
    ].slice(0, count);
    stats[type] = {
      candidates: candidates.length,
      vaeSeparated: separated.length,
      chosenClipCosineMin: Math.min(...chosen.map((i) => clipCosine[i]!)),
      chosenClipCosineMedian: median(chosen.map((i) => clipCosine[i]!)),
      candidateClipCosineMedian: median(clipCosine),
      chosenVaeSeparationMedian: median(chosen.map((i) => vaeSeparation[i]!)),
    };
    return chosen;
  };
}
