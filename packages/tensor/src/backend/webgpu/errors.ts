/// <reference types="@webgpu/types" />

/**
 * Collects what can go wrong on a device asynchronously: uncaptured validation / out-of-memory / internal
 * errors, errors from error scopes around pipeline and buffer creation, and device loss. Kernels are
 * synchronous, so such errors surface on the next read (which rejects) and, after device loss, on every call.
 */
export class ErrorTracker {
  private readonly errors: Error[] = [];
  private readonly watched = new Set<Promise<void>>();
  private lostMessage: string | undefined;

  constructor(device: GPUDevice) {
    device.addEventListener("uncapturederror", (ev) => {
      // Recorded for the next read; preventDefault stops the implementation from also logging it.
      ev.preventDefault();
      const err = (ev as GPUUncapturedErrorEvent).error;
      this.record(new Error(`webgpu: ${errorKind(err)}: ${err.message.trim()}`));
    });
    void device.lost.then((info) => {
      this.lostMessage = `webgpu: device lost (${info.reason}): ${info.message.trim() || "no message"}`;
    });
  }

  /** Records an error for the next read to report; `first` puts it ahead of those already recorded. */
  record(err: Error, first = false): void {
    if (first) this.errors.unshift(err);
    else if (this.errors.length < 16) this.errors.push(err);
  }

  /** Watches an error-scope result: a non-null error is recorded with `context` prepended. */
  watch(scope: Promise<GPUError | null>, context: () => string, onError?: (err: Error) => void): void {
    const p: Promise<void> = scope.then(
      (err) => {
        this.watched.delete(p);
        if (err) {
          const e = new Error(`webgpu: ${errorKind(err)} in ${context()}: ${err.message.trim()}`);
          // The root cause: later uncaptured errors are usually its consequences.
          this.record(e, true);
          onError?.(e);
        }
      },
      (reason: unknown) => {
        this.watched.delete(p);
        this.record(new Error(`webgpu: error scope failed in ${context()}: ${String(reason)}`));
      },
    );
    this.watched.add(p);
  }

  /** Waits for all watched error scopes to resolve. */
  async settle(): Promise<void> {
    while (this.watched.size > 0) await Promise.all([...this.watched]);
  }

  /** Removes and returns the oldest recorded error (all others are summarised in its message). */
  take(): Error | undefined {
    if (this.lostMessage) return new Error(this.lostMessage);
    const first = this.errors.shift();
    if (!first) return undefined;
    const more = this.errors.length;
    this.errors.length = 0;
    if (more > 0) first.message += ` (and ${more} more error${more > 1 ? "s" : ""})`;
    return first;
  }

  /** The device-loss message, if the device was lost. */
  get lost(): string | undefined {
    return this.lostMessage;
  }

  /** Throws if the device was lost. */
  assertUsable(op: string): void {
    if (this.lostMessage) throw new Error(`${op}: ${this.lostMessage}`);
  }
}

function errorKind(err: GPUError): string {
  const name = err.constructor?.name ?? "";
  if (name.includes("Validation")) return "validation error";
  if (name.includes("OutOfMemory")) return "out of memory";
  if (name.includes("Internal")) return "internal error";
  return "error";
}
