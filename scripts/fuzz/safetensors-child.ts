/**
 * Child process of the safetensors fuzzer: runs the cases INDICES (comma-separated) written by the parent
 * into DIR, in order, and reports
 * on stdout, one line per event, so that the parent can attribute a crash, a hang or an OOM to the case in
 * flight:
 *   start <index>
 *   done <CaseResult JSON with rssKb>
 *   end
 *
 *   node --max-old-space-size=1024 --conditions=source --import tsx scripts/fuzz/safetensors-child.ts DIR INDICES
 */
import { readFile } from "node:fs/promises";
import { basePath, casePaths, type FuzzCase } from "./safetensors-cases.js";
import { oracleDecode, type OracleFile } from "./safetensors-oracle.js";
import { runCase } from "./safetensors-run.js";
import { sabotage } from "./harness.js";

async function main(dir: string, indices: readonly number[]): Promise<void> {
  const originals = new Map<number, OracleFile>();
  for (const i of indices) {
    process.stdout.write(`start ${i}\n`);
    const paths = casePaths(dir, i);
    const meta = JSON.parse(await readFile(paths.meta, "utf8")) as Omit<FuzzCase, "bytes">;
    let original = originals.get(meta.base);
    if (!original) {
      const decoded = oracleDecode(new Uint8Array(await readFile(basePath(dir, meta.base))));
      if ("invalid" in decoded) throw new Error(`base file ${meta.base} is invalid: ${decoded.invalid}`);
      originals.set(meta.base, (original = decoded));
    }
    sabotage("SAFETENSORS_FUZZ_SABOTAGE", i); // the harness self-check, see harness.ts
    const bytes = new Uint8Array(await readFile(paths.bytes));
    // Odd cases are read from the path (openSafetensors, ranged reads), even ones from bytes in memory.
    const result = await runCase({ ...meta, bytes }, original, i % 2 === 1 ? paths.bytes : undefined);
    process.stdout.write(`done ${JSON.stringify({ ...result, rssKb: process.resourceUsage().maxRSS })}\n`);
  }
  process.stdout.write("end\n");
}

const [dir, list] = process.argv.slice(2);
if (dir === undefined || list === undefined) {
  console.error("usage: safetensors-child.ts DIR INDICES");
  process.exit(2);
}
await main(dir, list.split(",").map(Number));
