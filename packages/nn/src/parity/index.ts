/** The parity check of models against reference fixtures. */
export { loadFixture, disposeFixture, type Fixture } from "./fixture.js";
export type { Comparison } from "./compare.js";
export type { ParityRunner } from "./runner.js";
export { parityRunners } from "./runners.js";
export { checkFixture, runParity, formatParityReport, type ParityOptions, type ParityReport } from "./check.js";
export { parityMain, type ParityMainOptions } from "./main.js";
