/** Options of the cosine schedule with linear warm-up. */
export interface CosineScheduleOptions {
  /** Peak learning rate, reached at the end of warm-up. */
  lr: number;
  /** Step at which the cosine reaches `minLr`. */
  totalSteps: number;
  /** Steps of linear warm-up (default 0). */
  warmupSteps?: number;
  /** Floor of the cosine (default 0). */
  minLr?: number;
}

/**
 * Learning rate at `step` (0-based): linear warm-up from lr/warmup to lr over `warmupSteps` (as the reference
 * recipe's 0.5% warm-up), then cosine decay to `minLr` at `totalSteps`.
 */
export function cosineWithWarmup(step: number, o: CosineScheduleOptions): number {
  const warm = o.warmupSteps ?? 0;
  const min = o.minLr ?? 0;
  if (warm > 0 && step < warm) return (o.lr * (step + 1)) / warm;
  const span = Math.max(1, o.totalSteps - warm);
  const progress = Math.min(1, Math.max(0, (step - warm) / span));
  return min + 0.5 * (o.lr - min) * (1 + Math.cos(Math.PI * progress));
}
