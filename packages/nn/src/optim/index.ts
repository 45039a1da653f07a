export { sgdInit, sgdStep, disposeReplaced, type SgdOptions, type SgdState } from "./sgd.js";
export { adamwInit, adamwStep, type AdamWOptions, type AdamWState } from "./adamw.js";
export { clipGradNorm, globalNorm } from "./clip-grad.js";
export { cosineWithWarmup, type CosineScheduleOptions } from "./schedule.js";
export {
  Optimizer,
  sgd,
  adamw,
  type Sgd,
  type AdamW,
  type SgdConfig,
  type AdamWConfig,
  type LearningRate,
  type FunctionalStep,
  type OptimizerInitOptions,
} from "./optimizer.js";
