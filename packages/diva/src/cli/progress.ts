import { Presets, SingleBar } from "cli-progress";

/** A progress display: a bar on a terminal, a line every few updates otherwise (logs, CI, pipes). */
interface Progress {
  update(done: number, fields?: Record<string, string>): void;
  /** Prints a line above the bar. */
  log(line: string): void;
  stop(): void;
}

/**
 * Progress for `total` units. On a TTY (stderr) a cli-progress bar with `format` fields; otherwise one line
 * per update when total <= 50, else about every 5%, printed with `line`.
 */
function createProgress(total: number, format: string, line: (done: number, fields: Record<string, string>) => string): Progress {
  if (process.stderr.isTTY) {
    const bar = new SingleBar({ format, hideCursor: true, stream: process.stderr, etaBuffer: 20 }, Presets.shades_classic);
    let fields: Record<string, string> = {};
    bar.start(total, 0, fields);
    return {
      update: (done, f = {}) => {
        fields = { ...fields, ...f };
        bar.update(done, fields);
      },
      log: (l) => {
        process.stderr.write("\r\x1b[K");
        console.log(l);
        bar.render();
      },
      stop: () => bar.stop(),
    };
  }
  const every = total <= 50 ? 1 : Math.ceil(total / 20);
  return {
    update: (done, f = {}) => {
      if (done % every === 0 || done === total) console.log(line(done, f));
    },
    log: (l) => console.log(l),
    stop: () => undefined,
  };
}

/** Seconds as `1h02m`, `3m05s` or `12s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${s}s`;
}

/** A progress display made on the first update (when the total is known); `log` prints above it. */
interface LazyProgress {
  update(done: number, total: number, fields?: Record<string, string>): void;
  log(line: string): void;
  stop(): void;
}

/** {@link createProgress}, created on the first `update`; after `stop` it prints plain lines again. */
export function lazyProgress(format: string, line: (done: number, total: number, fields: Record<string, string>) => string): LazyProgress {
  let bar: Progress | null = null;
  return {
    update(done, total, fields) {
      bar ??= createProgress(total, format, (d, f) => line(d, total, f));
      bar.update(done, fields);
    },
    log: (l) => (bar ? bar.log(l) : console.log(l)),
    stop() {
      bar?.stop();
      bar = null;
    },
  };
}
