/**
 * The worker program, as JavaScript source text. Workers are started from this text (`eval` in Node, a
 * Blob URL in browsers), so no separate worker file has to be located at run time, whether the library runs
 * from TypeScript sources (tsx, vitest) or from a bundle.
 *
 * Protocol (see control.ts): a worker remembers the generation of the last task it ran and waits on its own
 * slot's generation word. It runs a task only when that word holds a new generation, so each posted task
 * runs exactly once, whatever order the caller's store, its notify and the worker's wait happen in. The
 * idle wait is sliced (`IDLE_SLICE_MS`) so that even a lost notify delays a task by one slice at most.
 */
import { ERROR, PENDING, SLOT_ARGS, SLOT_DONE, SLOT_GEN, SLOT_KERNEL, SLOT_NARGS, SLOT_READY, SLOT_STARTED } from "./control.js";

/** What a worker receives at start: the compiled module, the shared memory and its control slot. */
export interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  errorText: SharedArrayBuffer;
  kernels: readonly string[];
  slot: number;
}

/** Longest single idle wait of a worker before it re-reads its slot (ms). */
const IDLE_SLICE_MS = 1000;

/** Source of the worker program. */
export function workerSource(): string {
  return `"use strict";
(function () {
  function start(d) {
    var ctrl = new Int32Array(d.control);
    var slot = d.slot;
    var inst = new WebAssembly.Instance(d.module, { env: { memory: d.memory } });
    var fns = d.kernels.map(function (n) { return inst.exports[n]; });
    var last = Atomics.load(ctrl, slot + ${SLOT_GEN});
    Atomics.store(ctrl, slot + ${SLOT_READY}, 1);
    Atomics.notify(ctrl, slot + ${SLOT_READY});
    var args = [];
    for (;;) {
      Atomics.wait(ctrl, slot + ${SLOT_GEN}, last, ${IDLE_SLICE_MS});
      var g = Atomics.load(ctrl, slot + ${SLOT_GEN});
      if (g === last) continue;
      last = g;
      Atomics.store(ctrl, slot + ${SLOT_STARTED}, g);
      var n = ctrl[slot + ${SLOT_NARGS}];
      args.length = n;
      for (var i = 0; i < n; i++) args[i] = ctrl[slot + ${SLOT_ARGS} + i];
      try {
        fns[ctrl[slot + ${SLOT_KERNEL}]].apply(null, args);
      } catch (e) {
        // The first failing task of a job writes the message; later ones only count.
        if (Atomics.compareExchange(ctrl, ${ERROR}, 0, 1) === 0) {
          var msg = new TextEncoder().encode(String(e && e.stack || e)).slice(0, d.errorText.byteLength - 1);
          var out = new Uint8Array(d.errorText);
          out.fill(0);
          out.set(msg);
        }
      }
      Atomics.store(ctrl, slot + ${SLOT_DONE}, g);
      if (Atomics.sub(ctrl, ${PENDING}, 1) === 1) Atomics.notify(ctrl, ${PENDING});
    }
  }
  if (typeof process !== "undefined" && process.versions && process.versions.node) {
    start(require("node:worker_threads").workerData);
  } else {
    self.onmessage = function (e) { start(e.data); };
  }
})();
`;
}
