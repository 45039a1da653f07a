/**
 * Whether a checkpoint may be resumed under the current run settings: every setting that shapes the loss curve
 * must be the same. A few settings are recorded only away from their default, so that checkpoints written before
 * they existed stay valid; for those, absent means "the default".
 */

/** Run settings a checkpoint records only when they differ from their default. */
const OPTIONAL_RUN_SETTINGS: readonly string[] = ["conditionSource", "projectionLrScale", "projectionOnlySteps"];

/** Throws an error naming the first setting that differs between the checkpoint `path` (`saved`) and this run. */
export function checkResumeSettings(path: string, saved: Readonly<Record<string, unknown>>, run: Readonly<Record<string, unknown>>): void {
  const refuse = (what: string) => new Error(`postTrain: checkpoint ${path} was made with ${what}; resume with the same settings, or start afresh (another checkpoint folder, or --no-resume / resume: false)`);
  for (const [k, v] of Object.entries(saved)) {
    if (Object.hasOwn(run, k) && run[k] === v) continue;
    if (Object.hasOwn(run, k)) throw refuse(`${k} ${String(v)}, not ${String(run[k])}`);
    throw refuse(OPTIONAL_RUN_SETTINGS.includes(k) ? `${k} ${String(v)}, not its default now` : `${k} ${String(v)}, a setting this version no longer has`);
  }
  for (const k of OPTIONAL_RUN_SETTINGS) {
    if (Object.hasOwn(run, k) && !Object.hasOwn(saved, k)) throw refuse(`${k} at its default, not ${String(run[k])}`);
  }
}
