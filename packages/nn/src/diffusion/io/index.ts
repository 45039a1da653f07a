/** Loading and saving diffusers model folders. @module */
export { loadUNet, loadVAE, loadSchedulerConfig, saveUNet, saveVAE } from "./models.js";
export { loadDiffusersComponent, checkStateDict, treeFromStateDict, type LoadOptions, type LoadedComponent, type KeyRenamer } from "./load.js";
export { saveDiffusersComponent, type SaveOptions } from "./save.js";
export { checkShapes, describeReport, isClean, type CheckpointReport, type ShapeMismatch as CheckpointShapeMismatch } from "./check.js";
