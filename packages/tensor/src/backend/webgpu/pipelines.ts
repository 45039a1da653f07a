/// <reference types="@webgpu/types" />
import { divaFlag, type EnvSource } from "../../env.js";
import type { ErrorTracker } from "./errors.js";
import type { PipelineEntry } from "./queue.js";

/** Options of {@link PipelineCache}. */
interface PipelineCacheOptions {
  /** Where `DIVA_PRINT_WGSL` is read (default: the process's environment); read once, at construction. */
  env?: EnvSource;
  /** Where printed kernels go (default: console.log). */
  print?: (text: string) => void;
}

/**
 * Compiled compute pipelines keyed by a string naming the op, dtypes, rank and variant. The WGSL source is
 * generated only on a miss. Creation runs inside validation and internal error scopes: a shader that fails
 * is recorded (the next read rejects with the compiler message) and every later use of its key throws.
 * With `DIVA_PRINT_WGSL=1` each kernel's source is printed once, under its key, when its pipeline is built.
 */
export class PipelineCache {
  private readonly entries = new Map<string, PipelineEntry>();
  private readonly failed = new Map<string, Error>();
  private readonly print: ((text: string) => void) | undefined;

  constructor(
    private readonly device: GPUDevice,
    private readonly tracker: ErrorTracker,
    options: PipelineCacheOptions = {},
  ) {
    this.print = divaFlag("DIVA_PRINT_WGSL", options.env) ? (options.print ?? ((t) => console.log(t))) : undefined;
  }

  /** The pipeline for `key`, compiling `source()` (entry point `main`) on first use. */
  get(key: string, source: () => string): PipelineEntry {
    const hit = this.entries.get(key);
    if (hit) return hit;
    const bad = this.failed.get(key);
    if (bad) throw bad;
    const code = source();
    this.print?.(`// diva kernel "${key}"\n${code}`);
    const d = this.device;
    d.pushErrorScope("internal");
    d.pushErrorScope("validation");
    const module = d.createShaderModule({ code, label: key });
    const pipeline = d.createComputePipeline({ layout: "auto", compute: { module, entryPoint: "main" }, label: key });
    const context = () => `compiling kernel "${key}"\n${numbered(code)}`;
    const onError = (e: Error) => {
      this.entries.delete(key);
      this.failed.set(key, e);
    };
    this.tracker.watch(d.popErrorScope(), context, onError);
    this.tracker.watch(d.popErrorScope(), context, onError);
    const entry: PipelineEntry = { pipeline, layout: pipeline.getBindGroupLayout(0) };
    this.entries.set(key, entry);
    return entry;
  }

  /** Number of compiled pipelines. */
  get size(): number {
    return this.entries.size;
  }
}

function numbered(code: string): string {
  return code
    .split("\n")
    .map((l, i) => `${String(i + 1).padStart(4)}: ${l}`)
    .join("\n");
}
