/**
 * Layers as pure functions over parameter trees named like the reference checkpoints, with their init specs.
 * Layers do not open tidy scopes (their intermediates belong to the caller's scope); model entry points do.
 */
export * from "./activation.js";
export * from "./linear.js";
export * from "./conv.js";
export * from "./norm.js";
export * from "./embedding.js";
export * from "./attention.js";
export * from "./mlp.js";
export * from "./resample.js";
