import { readFileSync } from "node:fs";
import { ClipTokenizer, cleanText, fixText, htmlUnescape } from "./tokenizer.js";
const inputs: string[] = JSON.parse(readFileSync(process.argv[2]!, "utf-8"));
const expected: { fix: string; unesc: string; clean: string; ids: number[]; dec: string }[] = JSON.parse(readFileSync(process.argv[3]!, "utf-8"));
const tok = await ClipTokenizer.fromFile("/work/shared/data/bpe_simple_vocab_16e6.txt.gz");
const bad: Record<string, number> = { fix: 0, unesc: 0, clean: 0, ids: 0, dec: 0 };
let shown = 0;
const t0 = performance.now();
inputs.forEach((s, i) => {
  const e = expected[i]!;
  const got = { fix: fixText(s), unesc: htmlUnescape(s), clean: cleanText(s), ids: tok.encode(s), dec: "" };
  got.dec = tok.decode(e.ids);
  for (const k of ["fix", "unesc", "clean", "ids", "dec"] as const) {
    const a = JSON.stringify(got[k]), b = JSON.stringify(e[k]);
    if (a !== b) {
      bad[k]!++;
      if (shown++ < 25) console.log(k, JSON.stringify(s), "\n  got", a, "\n  exp", b);
    }
  }
});
console.log("n", inputs.length, bad, "ms", performance.now() - t0);
