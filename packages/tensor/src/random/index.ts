/**
 * Counter-based random numbers with explicit keys (Philox4x32-10), as in JAX: a {@link RandomKey} is a
 * plain value, {@link split} and {@link foldIn} derive independent keys, and every sampler is a pure
 * function of its key. Samples are generated on the host and uploaded, so all backends see the same
 * numbers.
 *
 * @module
 */
export { philox4x32 } from "./philox.js";
export { randomKey, split, foldIn, isRandomKey, type RandomKey } from "./key.js";
export { randomBits } from "./bits.js";
export {
  sampleUniform,
  sampleNormal,
  sampleTruncatedNormal,
  type SampleFloatDType,
  type UniformSampleOptions,
  type NormalSampleOptions,
  type TruncatedNormalSampleOptions,
} from "./host-float.js";
export { sampleRandint, sampleBernoulli, samplePermutation } from "./host-discrete.js";
export { sampleChoice, type ChoiceSampleOptions } from "./host-choice.js";
// The tensor samplers (uniform, normal, truncatedNormal, randint, bernoulli, permutation, choice): the package
// index re-exports them at the top level too.
export * from "./tensors.js";
export type { DeviceOption, UniformOptions, NormalOptions, TruncatedNormalOptions, ChoiceOptions } from "./options.js";
