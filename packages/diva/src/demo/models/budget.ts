/**
 * Fits a training run into a wall-clock budget: after a few timed steps, the number of steps is cut to what the
 * budget allows (never raised above the requested count). The schedule's total follows `total()`.
 */
export class StepBudget {
  private readonly started = Date.now();
  private steps: number;

  constructor(
    requested: number,
    private readonly budgetSeconds?: number,
    /** A fixed cut (what a budgeted run ended at), so that such a run can be repeated exactly. */
    cap?: number,
    private readonly probeSteps = 10,
  ) {
    this.steps = cap === undefined ? requested : Math.min(requested, cap);
  }

  /** Call after each step; returns the (possibly reduced) total number of steps. */
  afterStep(step: number): number {
    if (this.budgetSeconds !== undefined && step + 1 === this.probeSteps) {
      const perStep = (Date.now() - this.started) / 1000 / this.probeSteps;
      const fit = this.probeSteps + Math.floor((this.budgetSeconds - perStep * this.probeSteps) / perStep);
      this.steps = Math.max(this.probeSteps, Math.min(this.steps, fit));
    }
    return this.steps;
  }

  /** The current total. */
  total(): number {
    return this.steps;
  }
}
