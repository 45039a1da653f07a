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
import { sabotage } from "./harness.js";
import { makeTorchCase } from "./torch-cases.js";
import { runTorchCase } from "./torch-run.js";

async function main(seed: number, dir: string, indices: readonly number[]): Promise<void> {
  for (const i of indices) {
    const c = makeTorchCase(seed, i);
    process.stdout.write(`start ${i}\n`);
    sabotage("TORCH_FUZZ_SABOTAGE", i); // the harness self-check, see harness.ts
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
