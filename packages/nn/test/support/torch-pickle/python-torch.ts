/**
 * Test helper: finds a Python interpreter that can `import torch`, so that tests can make real torch.save
 * checkpoints when PyTorch is installed (for example with `apt-get install python3-torch`) and skip that
 * part, with a printed reason, when it is not.
 */
import { execFileSync } from "node:child_process";
import { divaEnv } from "@diva/tensor";

// $DIVA_TORCH_PYTHON, when set, is the only interpreter tried (set it to a missing path to skip these tests).
const forced = divaEnv("DIVA_TORCH_PYTHON");
const CANDIDATES = forced ? [forced] : ["python3", "/usr/bin/python3", "python"];

/** A Python with PyTorch and its version, or the reason none was found. */
export type TorchPython = { readonly python: string; readonly version: string } | { readonly python?: undefined; readonly reason: string };

let found: TorchPython | undefined;

/** Looks for a Python with PyTorch (once per process). */
export function findTorchPython(): TorchPython {
  if (found) return found;
  for (const python of CANDIDATES) {
    try {
      const probe = ["-c", "import torch; print(torch.__version__)"];
      const version = execFileSync(python, probe, { encoding: "utf8", timeout: 120_000, stdio: ["ignore", "pipe", "ignore"] }).trim();
      found = { python, version };
      return found;
    } catch {
      // try the next one
    }
  }
  found = { reason: `no Python with PyTorch found (tried ${CANDIDATES.join(", ")}); install python3-torch to run this part` };
  return found;
}

/** Runs `python args...` (a script path or `-c CODE`, then its arguments), returning stdout; throws on failure. */
export function runPython(python: string, args: readonly string[]): string {
  return execFileSync(python, args, { encoding: "utf8", timeout: 300_000, stdio: ["ignore", "pipe", "pipe"] });
}
