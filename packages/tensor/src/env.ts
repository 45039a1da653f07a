/**
 * Every `DIVA_*` environment variable, in one table, and the one reader of them. Library code of all three
 * packages, their tests, the examples and the benchmarks read a variable only through {@link divaEnv}, whose
 * name argument must be a key of {@link DIVA_ENV_VARS}; docs/getting-started.md lists the same table (a test
 * keeps the two equal). Shell scripts read two more (`DIVA_WEBGPU_DRIVER`, `DIVA_GPU_WORK`), listed here too.
 */

/** What a `DIVA_*` variable is for and who reads it. */
export interface DivaEnvVar {
  /** What it does. */
  readonly does: string;
  /** The behaviour when it is unset. */
  readonly default: string;
  /** Who reads it: the packages at run time, their tests and CI, the benchmarks, or shell scripts. */
  readonly scope: "library" | "tests" | "benchmarks" | "scripts";
}

const VARS = {
  DIVA_THREADS: { does: "threads of the WebAssembly CPU kernels (a positive integer)", default: "every hardware thread", scope: "library" },
  DIVA_POOL_TIMEOUT_MS: { does: "bound on one CPU kernel's wait for its worker threads; past it the op fails with the pool state", default: "300000", scope: "library" },
  DIVA_CPU_KERNELS: { does: "`reference` runs the plain TypeScript CPU kernels only (no WebAssembly)", default: "the fast kernels", scope: "library" },
  DIVA_CONV_ALGORITHM: { does: "`auto`, `gemm` or `winograd`: the fast CPU conv2d's algorithm; any other value is an error", default: "`auto` (Winograd for stride-1 3x3 convs with 16 or more input channels)", scope: "library" },
  DIVA_CPU_RESIDENT: { does: "`0`/`off`/`false` turns off the CPU backend's resident (reused) host storage, `1`/`on`/`true` keeps it; any other value is an error", default: "on", scope: "library" },
  DIVA_WASM_RELAXED: { does: "`0` turns off relaxed-SIMD WebAssembly kernels", default: "on where the engine has relaxed SIMD", scope: "library" },
  DIVA_MAX_TENSOR_BYTES: { does: "largest tensor any op may create (bytes, or `8GiB`, `512MiB`, `1e9`)", default: "4 GiB on the CPU, the adapter's buffer limit on WebGPU", scope: "library" },
  DIVA_WEBGPU_BACKEND: { does: "`vulkan`, `swiftshader` or `opengl`: force the adapter in Node; any other value is an error", default: "Dawn's choice among the drivers it accepts", scope: "library" },
  DIVA_WEBGPU_FLAGS: { does: "comma-separated Dawn toggles added to every WebGPU instance in Node", default: "none", scope: "library" },
  DIVA_WEBGPU_DEBUG: { does: "`1` shows Dawn's and the drivers' own startup messages in Node", default: "hidden", scope: "library" },
  DIVA_WEBGPU_TIMEOUT_MS: { does: "bound on one wait for GPU work (readback, sync); adapter and device requests wait at most 60 s", default: "600000", scope: "library" },
  DIVA_WEBGPU_PROBE: { does: "internal: the request the driver-probe child process reads (set by the parent)", default: "unset", scope: "library" },
  DIVA_PRINT_WGSL: { does: "`1` prints each WebGPU kernel's WGSL source once, with its cache key, when its pipeline is first built", default: "off", scope: "library" },
  DIVA_BPE: { does: "path of CLIP's BPE vocabulary for the tokenizer parity fixture", default: "beside the fixture, then ../data", scope: "library" },
  DIVA_DEBUG: { does: "`1` makes the `diva` command print an error's stack", default: "message only", scope: "library" },
  DIVA_TEST_DEVICES: { does: "comma-separated devices of the device-parameterised op suite (`cpu` runs it on the CPU only)", default: "cpu and webgpu", scope: "tests" },
  DIVA_REQUIRE_WEBGPU: { does: "with `CI=true`, `1` makes a missing WebGPU adapter fail the suite instead of skipping (.ci/run sets it)", default: "skip with a printed reason", scope: "tests" },
  DIVA_FIXTURES: { does: "folder of the shared parity fixtures", default: "../shared/fixtures beside the repository", scope: "tests" },
  DIVA_TORCH_PYTHON: { does: "the Python interpreter with PyTorch for the pickle tests and the torch benchmark peer", default: "python3 (tests), /usr/bin/python3 (benchmark)", scope: "tests" },
  DIVA_PACK_TEST: { does: "`1` runs the slow pack-install test outside CI", default: "runs only under CI=true", scope: "tests" },
  DIVA_TEST_CRASH_AT_CHECKPOINT: { does: "internal: the step at which the checkpoint crash test's child process kills itself", default: "unset", scope: "tests" },
  DIVA_DEMO_MODELS: { does: "folder of the demo models the examples test runs clip-zero-shot.ts on", default: "the shipped packages/diva/assets/demo", scope: "tests" },
  DIVA_EXAMPLES_ALLOW_MISSING_MODELS: { does: "`1` lets examples/clip-zero-shot.ts exit 0 when the demo models are missing", default: "exit 1", scope: "tests" },
  DIVA_WEBGPU_DRIVER: { does: "`lavapipe`, `swiftshader` or `opengl`: the driver scripts/setup-webgpu-driver.sh installs", default: "the first that works", scope: "scripts" },
  DIVA_GPU_WORK: { does: "work folder of scripts/gpu-check/run.sh", default: "/tmp/diva-gpu-check", scope: "scripts" },
} as const satisfies Record<string, DivaEnvVar>;

/** Name of a `DIVA_*` variable. */
export type DivaEnvName = keyof typeof VARS;

/** The `DIVA_*` environment variables: what each does, its default, and who reads it. */
export const DIVA_ENV_VARS: Readonly<Record<DivaEnvName, DivaEnvVar>> = VARS;

/** Where variables are read from: `process.env` by default; tests pass their own record. */
export type EnvSource = Readonly<Record<string, string | undefined>>;

/** The process's environment (Node), or an empty record (browsers, workers without `process`). */
function processEnv(): EnvSource {
  const p = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  return p?.env ?? {};
}

/** The value of a `DIVA_*` variable (undefined when unset), from `env` (default: the process's environment). */
export function divaEnv(name: DivaEnvName, env: EnvSource = processEnv()): string | undefined {
  return Object.hasOwn(env, name) ? env[name] : undefined;
}

/** Whether a `DIVA_*` flag is on: set, and neither empty nor `0`. */
export function divaFlag(name: DivaEnvName, env: EnvSource = processEnv()): boolean {
  const v = divaEnv(name, env);
  return v !== undefined && v !== "" && v !== "0";
}
