import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildMmvpBenchmark, candidatePairs, generateMmvpBenchmark, IMAGES_FOLDER, QUESTIONS_FILE, selectMmvpBenchmark, type SyntheticMmvp } from "./benchmark.js";
import { csvField, toCsv } from "./csv.js";
import { applicableAttributes } from "./describe.js";
import { countDifferences } from "./image.js";
import { MMVP_PATTERN_NAMES } from "./patterns.js";
import { decodePng } from "./png.js";
import { renderScene } from "./render.js";
import { diffScenes } from "./scene.js";

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(p)));
    else out.push(p);
  }
  return out.sort();
}

async function hashTree(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const f of await listFiles(dir)) out.set(relative(dir, f), createHash("sha256").update(await readFile(f)).digest("hex"));
  return out;
}

/** Which attribute each pattern's pairs may change, as scene paths. */
const EXPECTED_CHANGE: Record<string, RegExp> = {
  "Orientation and Direction": /^objects\[0\]\.direction$/,
  "Presence of Specific Features": /^objects\[0\]\.dot$/,
  "State and Condition": /^objects\[0\]\.fill$/,
  "Quantity and Count": /^objects(\.length|\[2\])$/,
  "Positional and Relational Context": /^objects\[[01]\]\.position$/,
  "Color and Appearance": /^objects\[0\]\.colour$/,
  "Structural Characteristics": /^objects\[0\]\.pattern$/,
  Texts: /^objects\[0\]\.glyph$/,
  "Viewpoint and Perspective": /^view$/,
};

const PATTERN_ATTRIBUTE: Record<string, string> = {
  "Orientation and Direction": "direction", "Presence of Specific Features": "dot", "State and Condition": "fill",
  "Quantity and Count": "count", "Positional and Relational Context": "relation", "Structural Characteristics": "pattern",
  Texts: "glyph", "Viewpoint and Perspective": "view",
};

describe("csv", () => {
  it("quotes fields with commas, quotes or newlines", () => {
    expect(csvField("a, b")).toBe('"a, b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField(12)).toBe("12");
    const text = toCsv(["x", "y"], [[1, "a, b"], [2, 'q"q']]);
    expect(parse(text, { columns: true })).toEqual([{ x: "1", y: "a, b" }, { x: "2", y: 'q"q' }]);
  });
});

describe("synthetic MMVP benchmark", () => {
  let dir: string;
  let again: string;
  let bench: SyntheticMmvp;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "mmvp-world-"));
    again = await mkdtemp(join(tmpdir(), "mmvp-world-"));
    bench = await generateMmvpBenchmark(dir, { seed: 2024 });
    await generateMmvpBenchmark(again, { seed: 2024 });
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await rm(again, { recursive: true, force: true });
  });

  it("writes Questions.csv that parses back to 270 rows in pattern blocks", async () => {
    const rows = parse(await readFile(join(dir, QUESTIONS_FILE), "utf8"), { columns: true }) as Record<string, string>[];
    expect(Object.keys(rows[0])).toEqual(["Question ID", "Type", "Statement"]);
    expect(rows).toHaveLength(270);
    rows.forEach((r, i) => {
      expect(Number(r["Question ID"])).toBe(i + 1);
      expect(r.Type).toBe(MMVP_PATTERN_NAMES[Math.floor(i / 30)]);
      expect(r.Statement).toBe(bench.items[i].statement);
      expect(r.Statement.length).toBeGreaterThan(3);
    });
  });

  it("writes 270 PNGs at MLLM_VLM Images/<Type>/<id>.png that decode to the rendered scenes", async () => {
    const files = (await listFiles(join(dir, IMAGES_FOLDER))).map((f) => relative(dir, f));
    expect(files).toHaveLength(270);
    expect(new Set(files)).toEqual(new Set(bench.items.map((it) => it.imagePath)));
    for (const type of MMVP_PATTERN_NAMES) expect((await readdir(join(dir, IMAGES_FOLDER, type))).length).toBe(30);
    for (const it of bench.items.filter((_, i) => i % 17 === 0)) {
      const img = await decodePng(join(dir, it.imagePath));
      expect(img.shape).toEqual([3, 32, 32]);
      expect(countDifferences(img, renderScene(it.scene))).toBe(0);
    }
  });

  it("pairs are (odd, odd + 1), differ in pixels, and differ only in the pattern's attribute", () => {
    expect(bench.pairs).toHaveLength(135);
    for (const pair of bench.pairs) {
      const [a, b] = pair.items;
      expect(a.id % 2).toBe(1);
      expect(b.id).toBe(a.id + 1);
      expect(a.type).toBe(pair.type);
      expect(b.type).toBe(pair.type);
      expect(countDifferences(renderScene(a.scene), renderScene(b.scene))).toBeGreaterThan(0);
      const diff = diffScenes(a.scene, b.scene);
      expect(diff).toEqual([...pair.changed]);
      expect(diff.length).toBeGreaterThan(0);
      for (const path of diff) expect(path).toMatch(EXPECTED_CHANGE[pair.type]);
      expect(a.statement).not.toBe(b.statement);
    }
  });

  it("statements use wording that training captions can produce for the same scene", () => {
    for (const it of bench.items) {
      const attr = PATTERN_ATTRIBUTE[it.type];
      if (attr) expect(applicableAttributes(it.scene)).toContain(attr);
    }
  });

  it("puts each pattern's attribute value in its statements", () => {
    const byType = (t: string): [string, string][] =>
      bench.pairs.filter((p) => p.type === t).map((p) => [p.items[0].statement, p.items[1].statement]);
    for (const [s, t] of byType("Orientation and Direction")) {
      expect(s).toMatch(/pointing (up|down|left|right)$/);
      expect(t).toMatch(/pointing (up|down|left|right)$/);
    }
    for (const pair of byType("Presence of Specific Features")) {
      expect(pair.filter((s) => s.endsWith("with a dot inside"))).toHaveLength(1);
      expect(pair.filter((s) => s.endsWith("without a dot"))).toHaveLength(1);
    }
    for (const pair of byType("Quantity and Count")) expect(pair.map((s) => s.split(" ")[0]).sort()).toEqual(["three", "two"]);
    for (const [s, t] of byType("Positional and Relational Context")) {
      expect(s).toMatch(/ (to the left of|to the right of|above|below) /);
      expect(t).toMatch(/ (to the left of|to the right of|above|below) /);
    }
    for (const pair of byType("Viewpoint and Perspective")) {
      expect(pair.filter((s) => s.startsWith("a close-up of "))).toHaveLength(1);
      expect(pair.filter((s) => s.endsWith(" seen from far away"))).toHaveLength(1);
    }
  });

  it("is byte-identical for the same seed and different for another seed", async () => {
    const a = await hashTree(dir);
    const b = await hashTree(again);
    expect(a.size).toBe(271);
    expect([...a.entries()]).toEqual([...b.entries()]);
    const other = buildMmvpBenchmark({ seed: 2025 });
    expect(other.items.map((i) => i.statement)).not.toEqual(bench.items.map((i) => i.statement));
  });

  it("balances which image of a pair carries each value", () => {
    const firsts = bench.pairs.filter((p) => p.type === "Presence of Specific Features")
      .map((p) => p.items[0].statement.endsWith("with a dot inside"));
    expect(firsts.some(Boolean)).toBe(true);
    expect(firsts.some((x) => !x)).toBe(true);
  });
});

describe("pair selection (CLIP-blind benchmarks choose their pairs from candidates)", () => {
  it("keeps the selected candidates in candidate order and numbers them like the unselected benchmark", async () => {
    const seen: string[] = [];
    // picks the candidates whose first statement is longest (any deterministic rule the selector likes)
    const bench = await selectMmvpBenchmark({
      seed: 5, pairsPerPattern: 3, candidatesPerPattern: 7,
      select: (type, candidates, count) => {
        seen.push(type);
        expect(candidates).toHaveLength(7);
        return candidates.map((c, i) => [c.statements[0].length, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]).slice(0, count).map(([, i]) => i);
      },
    });
    expect(seen).toEqual([...MMVP_PATTERN_NAMES]);
    expect(bench.items.map((it) => it.id)).toEqual(Array.from({ length: 54 }, (_, i) => i + 1));
    MMVP_PATTERN_NAMES.forEach((type, p) => {
      const candidates = candidatePairs(type, 5, 7);
      const want = candidates.map((c, i) => [c.statements[0].length, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]).slice(0, 3).map(([, i]) => i).sort((a, b) => a - b);
      const got = bench.pairs.filter((x) => x.type === type);
      expect(got.map((x) => x.items[0].statement)).toEqual(want.map((i) => candidates[i]!.statements[0]));
      expect(got[0]!.items[0].id).toBe(p * 6 + 1);
    });
    // without a selector the first candidates are the benchmark
    const plain = await selectMmvpBenchmark({ seed: 5, pairsPerPattern: 3 });
    expect(plain.items.map((it) => it.statement)).toEqual(buildMmvpBenchmark({ seed: 5, pairsPerPattern: 3 }).items.map((it) => it.statement));
  });

  it("refuses a selector answer with the wrong count, a repeat or an index out of range, naming the pattern", async () => {
    const run = (answer: number[]) => selectMmvpBenchmark({ pairsPerPattern: 2, candidatesPerPattern: 4, select: () => answer });
    await expect(run([0])).rejects.toThrow(/returned 1 pairs for "Orientation and Direction", expected 2/);
    await expect(run([1, 1])).rejects.toThrow(/index 1 twice/);
    await expect(run([0, 4])).rejects.toThrow(/index 4 .*outside 0\.\.3/);
    await expect(selectMmvpBenchmark({ pairsPerPattern: 3, candidatesPerPattern: 2, select: () => [0, 1, 2] })).rejects.toThrow(/candidatesPerPattern/);
  });
});
