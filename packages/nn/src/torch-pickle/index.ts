/**
 * PyTorch checkpoint reading (`torch.save` zip files: `.pt`, `.pth`, `.bin`) with a restricted unpickler
 * that accepts only tensor-rebuild globals.
 * @module
 */
export { readTorchCheckpoint, type ReadTorchCheckpointOptions, type TorchCheckpointContents } from "./read-torch-checkpoint.js";
export { TorchCheckpointError } from "./errors.js";
export { allowedGlobals } from "./torch-resolver.js";
export type { TorchDType } from "./torch-dtypes.js";
