import { divaEnv, type DivaEnvName } from "../../../env.js";

/**
 * What the host offers the WebAssembly kernels: Node built-ins (loaded only under Node, behind a dynamic
 * import that bundlers leave alone), whether this thread may block in `Atomics.wait`, and the core count.
 */

/** True when running under Node.js. */
export const isNode: boolean =
  typeof process !== "undefined" && typeof process.versions === "object" && typeof process.versions.node === "string";

const importDynamic = (name: string): Promise<unknown> => import(/* @vite-ignore */ name);

async function loadNode<T>(name: string): Promise<T | undefined> {
  if (!isNode) return undefined;
  try {
    return (await importDynamic(name)) as T;
  } catch {
    return undefined;
  }
}

/** `node:worker_threads`, or undefined outside Node. */
export const nodeWorkerThreads = await loadNode<typeof import("node:worker_threads")>("node:worker_threads");
/** `node:os`, or undefined outside Node. */
const nodeOs = await loadNode<typeof import("node:os")>("node:os");
/** `node:v8`, or undefined outside Node. */
export const nodeV8 = await loadNode<typeof import("node:v8")>("node:v8");

/** Reads a `DIVA_*` environment variable (Node only; undefined elsewhere); the names are listed in src/env.ts. */
export function envVar(name: DivaEnvName): string | undefined {
  return isNode ? divaEnv(name) : undefined;
}

/** Whether `SharedArrayBuffer` exists here (browsers need cross-origin isolation). */
export function hasSharedArrayBuffer(): boolean {
  return typeof SharedArrayBuffer === "function";
}

/**
 * Whether this thread may block in `Atomics.wait` (Node's main thread and workers may; a browser's main
 * thread may not).
 */
export function canBlock(): boolean {
  if (blocking === undefined) {
    blocking = false;
    if (hasSharedArrayBuffer()) {
      try {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
        blocking = true;
      } catch {
        blocking = false;
      }
    }
  }
  return blocking;
}

let blocking: boolean | undefined;

/** Number of hardware threads (os.availableParallelism in Node, navigator.hardwareConcurrency elsewhere). */
export function hardwareThreads(): number {
  if (nodeOs) {
    const os = nodeOs as { availableParallelism?: () => number; cpus: () => unknown[] };
    return Math.max(1, os.availableParallelism ? os.availableParallelism() : os.cpus().length);
  }
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return Math.max(1, nav?.hardwareConcurrency ?? 1);
}
