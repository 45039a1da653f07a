import type { FullScaleModels } from "./models.js";
import { clipActivationItems, unetActivationItems, type ActivationItem } from "./activations.js";

export type { ActivationItem };

/** The activation estimate of one DIVA micro-batch: the CLIP tower's and the UNet's (see activations.ts). */
export function activationItemsFor(models: FullScaleModels, batch: number, latentSize: number, contextTokens: number, checkpoint: boolean): ActivationItem[] {
  return [...clipActivationItems(models.clip, batch, checkpoint), ...unetActivationItems(models.unet, batch, latentSize, contextTokens, checkpoint)];
}
