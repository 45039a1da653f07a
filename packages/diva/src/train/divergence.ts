import { rename } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { checkpointPath, listCheckpoints } from "./checkpoint.js";

/** Settings a resumed run may change from its checkpoint's, each only when asked for explicitly. */
export interface ResumeOverrides {
  /**
   * Peak learning rate from the resumed step on, instead of the checkpoint's (the schedule's warm-up and cosine
   * continue from the resumed step). For a run that diverged: resume from the last finite checkpoint with a
   * lower rate. Later checkpoints record the new rate. CLI: `--resume-lr`.
   */
  readonly lr?: number;
}

/**
 * The learning rate a resumed run trains with. Without an override the checkpoint's rate must equal the run's
 * (a changed rate changes the loss curve: refused, naming both and the override); with one, the override,
 * reported through `warn` when it differs from the checkpoint's.
 */
export function resumeLearningRate(
  checkpoint: string,
  saved: number | string | boolean | undefined,
  current: number,
  overrides: ResumeOverrides | undefined,
  warn?: (message: string) => void,
): { readonly lr: number; readonly saved: number } | undefined {
  const lr = overrides?.lr;
  if (lr === undefined) {
    if (typeof saved === "number" && saved !== current) {
      throw new Error(
        `postTrain: checkpoint ${checkpoint} was made with lr ${saved}, not ${current}; resume with the same lr, ` +
          `change it explicitly from the resumed step on (resumeOverrides: { lr } / --resume-lr), or start afresh (another checkpoint folder, or --no-resume / resume: false)`,
      );
    }
    return undefined;
  }
  if (!(Number.isFinite(lr) && lr > 0)) throw new Error(`resumeOverrides.lr (--resume-lr) must be a positive number, got ${lr}`);
  const before = typeof saved === "number" ? saved : current;
  if (lr !== before) warn?.(`resuming with lr ${lr} instead of the checkpoint's ${before} (resumeOverrides.lr / --resume-lr)`);
  return { lr, saved: before };
}

/** The error for an lr override with nothing to resume. */
export function nothingToResume(dir: string | undefined, resume: boolean): Error {
  const why = !dir ? "there is no checkpoint folder (checkpointDir / --checkpoint-dir)" : !resume ? "resuming is off (resume: false / --no-resume)" : `there is no checkpoint in ${dir}`;
  return new Error(`postTrain: resumeOverrides.lr (--resume-lr) changes the learning rate of a resumed run, but ${why}; for a fresh run set lr (--lr)`);
}

/** Where a run stopped on non-finite values can go on from: the newest checkpoint left, or none. */
export async function divergenceAdvice(dir: string | undefined): Promise<string> {
  if (!dir) return "No checkpoint is kept (no checkpointDir / --checkpoint-dir): start again with a lower learning rate (lr / --lr).";
  const newest = (await listCheckpoints(dir)).at(-1);
  if (!newest) return `There is no finite checkpoint in ${dir} to resume from: start again with a lower learning rate (lr / --lr).`;
  const step = Number(/(\d+)\.safetensors$/.exec(newest)?.[1] ?? Number.NaN);
  return `The last finite checkpoint is ${newest} (step ${step}): resume from it with a lower learning rate (resumeOverrides: { lr } / --resume-lr).`;
}

/**
 * After the loss became non-finite in the step after `step`: the checkpoint of `step`, if written, holds the
 * parameters that produced it (finite, but blown up: resuming from it repeats the same step and fails at once,
 * whatever the learning rate). It is renamed to `diverged-diva-step-....safetensors`, which resuming ignores.
 * Returns a sentence for the error message, or "" when there was no such checkpoint.
 */
export async function setAsideDiverged(dir: string | undefined, step: number): Promise<string> {
  if (!dir || step === 0) return "";
  const path = checkpointPath(dir, step);
  if (!(await listCheckpoints(dir)).includes(path)) return "";
  const aside = join(dirname(path), `diverged-${basename(path)}`);
  await rename(path, aside);
  return ` Its checkpoint of step ${step} holds the parameters that gave this loss, so it was moved aside to ${aside}.`;
}
