/** Layers as pure functions over parameter trees named like the reference checkpoints, with their init specs. */
export * from "./activation.js";
export * from "./linear.js";
export * from "./conv.js";
export * from "./norm.js";
export * from "./embedding.js";
export * from "./attention.js";
export * from "./mlp.js";
export * from "./resample.js";
