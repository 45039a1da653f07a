/** Preset files are JSON read from disk: keys that reach prototypes are refused, naming the file and the key. */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolvePreset } from "../src/preset-file.js";
import { PRESETS } from "../src/presets.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "diva-preset-names-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("preset files with prototype-reaching keys", () => {
  const base = Object.keys(PRESETS)[0]!;
  const cases: [string, string][] = [
    ["__proto__", `{"base": "${base}", "name": "x", "__proto__": {"polluted": true}}`],
    ["recipe.constructor", `{"base": "${base}", "name": "x", "recipe": {"constructor": {"prototype": {"polluted": true}}}}`],
    ["recipe.prototype", `{"base": "${base}", "name": "x", "recipe": {"prototype": 1}}`],
  ];
  for (const [key, text] of cases) {
    it(`refuses "${key}"`, async () => {
      const file = join(dir, `${key}.json`);
      await writeFile(file, text);
      const err = await resolvePreset(file).then(() => null, (e: unknown) => e as Error);
      expect(err?.message).toContain(file);
      expect(err?.message).toContain(`"${key}"`);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  }

  it('an unknown "base" such as "constructor" is an error listing the presets, not Object.prototype.constructor', async () => {
    const file = join(dir, "base.json");
    await writeFile(file, '{"base": "constructor", "name": "x"}');
    await expect(resolvePreset(file)).rejects.toThrow(/"base": unknown preset "constructor"; known presets: /);
    await expect(resolvePreset("constructor")).rejects.toThrow(/unknown preset "constructor"/);
  });
});
