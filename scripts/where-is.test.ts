/**
 * The "Where is..." table of docs/architecture.md stays right: every file it names exists (a short path such as
 * `cpu/fast.ts` or `clip/*.ts` is looked up under packages/<pkg>/src), and every identifier it names in
 * backticks is declared in one of the files of its row (a name that is not camelCase, such as the parameter
 * `attn2`, need only occur there).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const doc = readFileSync(join(root, "docs", "architecture.md"), "utf8");
const section = doc.slice(doc.indexOf("### Where is..."));
const rows = section
  .split("\n")
  .slice(1)
  .filter((l) => l.startsWith("| ") && !l.startsWith("| What") && !l.startsWith("| ---"));

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(p));
    else if (e.name.endsWith(".ts")) out.push(p);
  }
  return out;
}
const all = readdirSync(join(root, "packages")).flatMap((p) => (existsSync(join(root, "packages", p, "src")) ? sources(join(root, "packages", p, "src")) : []));

/** The files a backticked path names: itself from the root, else every source ending with it (`*` matches a name). */
function filesOf(path: string): string[] {
  if (existsSync(join(root, path))) return [join(root, path)];
  const re = new RegExp(`/${path.replace(/[.]/g, "\\.").replace(/\*/g, "[^/]*")}$`);
  return all.filter((f) => re.test(f.split("\\").join("/")));
}

describe("docs/architecture.md: Where is...", () => {
  it("has rows", () => expect(rows.length).toBeGreaterThanOrEqual(5));

  for (const row of rows) {
    const what = row.split("|")[1]!.trim();
    it(what, () => {
      const ticks = [...row.split("|").slice(2).join("|").matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
      const paths = ticks.filter((t) => /\.ts$/.test(t));
      const names = ticks.filter((t) => /^[A-Za-z_]\w*$/.test(t));
      const files: string[] = [];
      for (const p of paths) {
        const found = filesOf(p);
        expect(found, `${what}: ${p}`).not.toEqual([]);
        files.push(...found);
      }
      const text = files.map((f) => readFileSync(f, "utf8")).join("\n");
      // functions and constants must be declared there; other names (a parameter such as attn2) must occur there
      for (const n of names) {
        const declared = new RegExp(`\\b(function|const|class|interface|type|let)\\s+${n}\\b`);
        expect(declared.test(text) || (!/^[a-z]+[A-Z]/.test(n) && new RegExp(`\\b${n}\\b`).test(text)), `${what}: ${n} is not in ${paths.join(", ")}`).toBe(true);
      }
    });
  }
});
