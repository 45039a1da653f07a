/**
 * Child process of the torch fuzzer: rebuilds the cases INDICES (comma-separated) of SEED, loads them in
 * order, and reports on stdout one line per event, so that the parent can attribute a crash, a hang or an OOM
 * to the case in flight:
 *   start <index>
 *   done <CaseResult JSON, with rssKb>
 *   end
 * Odd cases are read from a file written into DIR (FileHandle reads), even ones from bytes in memory.
 *
 *   node --max-old-space-size=1024 --conditions=source --import tsx scripts/fuzz/torch-child.ts SEED DIR INDICES
 */
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { makeTorchCase } from "./torch-cases.js";
import { runTorchCase } from "./torch-run.js";

/** Harness self-check: TORCH_FUZZ_SABOTAGE="crash:3,hang:5,oom:7" makes those cases abort, hang or exhaust the heap. */
function sabotage(index: number): void {
  for (const item of (process.env["TORCH_FUZZ_SABOTAGE"] ?? "").split(",")) {
    const [what, at] = item.split(":");
    if (Number(at) !== index) continue;
    if (what === "crash") process.abort();
    if (what === "hang") for (;;);
    if (what === "oom") {
      const hog: number[][] = [];
      for (;;) hog.push(new Array<number>(1 << 24).fill(hog.length + 0.5));
    }
  }
}

async function main(seed: number, dir: string, indices: readonly number[]): Promise<void> {
  for (const i of indices) {
    const c = makeTorchCase(seed, i);
    process.stdout.write(`start ${i}\n`);
    sabotage(i);
    let path: string | undefined;
    if (i % 2 === 1) {
      path = join(dir, `case-${i}.pt`);
      await writeFile(path, c.bytes);
    }
    const result = await runTorchCase(c, path);
    if (path) await rm(path, { force: true });
    process.stdout.write(`done ${JSON.stringify({ ...result, rssKb: process.resourceUsage().maxRSS })}\n`);
  }
  process.stdout.write("end\n");
}

const [seed, dir, list] = process.argv.slice(2);
if (seed === undefined || dir === undefined || list === undefined) {
  console.error("usage: torch-child.ts SEED DIR INDICES");
  process.exit(2);
}
await main(Number(seed), dir, list.split(",").filter(Boolean).map(Number));
