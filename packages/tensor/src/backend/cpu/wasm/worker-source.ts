/**
 * The worker program, as JavaScript source text. Workers are started from this text (`eval` in Node, a
 * Blob URL in browsers), so no separate worker file has to be located at run time, whether the library runs
 * from TypeScript sources (tsx, vitest) or from a bundle.
 */
import { ERROR, GEN, PENDING, SLOT_ARGS, SLOT_GEN, SLOT_KERNEL, SLOT_NARGS, SLOT_READY } from "./control.js";

/** What a worker receives at start: the compiled module, the shared memory and its control slot. */
export interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  errorText: SharedArrayBuffer;
  kernels: readonly string[];
  slot: number;
}

/** Source of the worker program. */
export function workerSource(): string {
  return `"use strict";
(function () {
  function start(d) {
    var ctrl = new Int32Array(d.control);
    var slot = d.slot;
    var inst = new WebAssembly.Instance(d.module, { env: { memory: d.memory } });
    var fns = d.kernels.map(function (n) { return inst.exports[n]; });
    var seen = Atomics.load(ctrl, ${GEN});
    Atomics.store(ctrl, slot + ${SLOT_READY}, 1);
    Atomics.notify(ctrl, slot + ${SLOT_READY});
    var args = [];
    for (;;) {
      Atomics.wait(ctrl, ${GEN}, seen);
      var g = Atomics.load(ctrl, ${GEN});
      seen = g;
      if (Atomics.load(ctrl, slot + ${SLOT_GEN}) !== g) continue;
      var n = ctrl[slot + ${SLOT_NARGS}];
      args.length = n;
      for (var i = 0; i < n; i++) args[i] = ctrl[slot + ${SLOT_ARGS} + i];
      try {
        fns[ctrl[slot + ${SLOT_KERNEL}]].apply(null, args);
      } catch (e) {
        var msg = new TextEncoder().encode(String(e && e.stack || e)).slice(0, d.errorText.byteLength - 1);
        var out = new Uint8Array(d.errorText);
        out.fill(0);
        out.set(msg);
        Atomics.store(ctrl, ${ERROR}, 1);
      }
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
