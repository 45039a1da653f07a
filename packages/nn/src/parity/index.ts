/** The parity check of models against reference fixtures. */
export * from "./fixture.js";
export * from "./compare.js";
export * from "./registry.js";
export * from "./runner-kit.js";
export * from "./clip-runners.js";
export * from "./tokenizer-runner.js";
export * from "./check.js";
export * from "./cli.js";
