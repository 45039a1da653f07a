/**
 * The one error type of the PyTorch checkpoint reader. Every message starts with the checkpoint's name (its
 * path, or `options.name` for bytes) so that a failure in a batch of files says which file it was.
 */
export class TorchCheckpointError extends Error {
  /** Creates an error whose message is `${source}: ${detail}`. */
  constructor(source: string, detail: string, options?: { cause?: unknown }) {
    super(`${source}: ${detail}`, options);
    this.name = "TorchCheckpointError";
  }
}
