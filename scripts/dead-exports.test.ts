/**
 * No dead exports: every symbol that a module under packages/<pkg>/src exports must be used outside that
 * module. The rule:
 * - an export reachable from a package's public entry points (the `source` of each `exports` entry in its
 *   package.json, and the `diva` bin) through `export *` / `export { x } from` chains is public, so used;
 * - any other export must be imported (or re-exported) by name by another file of the repository: sources,
 *   tests, examples, benchmarks or scripts (a test is a user: it may import what it checks);
 * - `import * as ns`, dynamic `import()` and `export * from` of a module count as using all its exports.
 * An export that nothing imports either goes, or loses its `export` keyword when its own file uses it.
 * The check parses files only (no type checking), so it takes a second or two.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const SKIP = new Set(["node_modules", "dist", "results", "api", ".git"]);

function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(e.name)) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...files(p));
    else if (/\.(ts|mts|mjs|js)$/.test(e.name) && !e.name.endsWith(".d.ts")) out.push(p);
  }
  return out;
}

const packageDirs = readdirSync(join(root, "packages")).map((p) => join(root, "packages", p)).filter((p) => existsSync(join(p, "package.json")));
const all = [...packageDirs.flatMap((p) => [...files(join(p, "src")), ...files(join(p, "test")), ...files(join(p, "scripts"))]), ...["scripts", "examples", "benchmarks"].flatMap((d) => files(join(root, d)))];

/** Package specifier (`@diva/core`, `@diva/core/demo`) -> source file, from each package.json's `exports`. */
const packageEntries = new Map<string, string>();
const entryFiles = new Set<string>();
for (const dir of packageDirs) {
  const m = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name: string; exports?: Record<string, { source?: string }>; bin?: Record<string, string> };
  for (const [sub, e] of Object.entries(m.exports ?? {})) {
    if (!e.source) continue;
    const file = resolve(dir, e.source);
    packageEntries.set(sub === "." ? m.name : `${m.name}/${sub.replace(/^\.\//, "")}`, file);
    entryFiles.add(file);
  }
  // the bin runs src/cli/main.ts (dist/cli/main.js after the build)
  for (const bin of Object.values(m.bin ?? {})) {
    const src = resolve(dir, bin.replace(/^\.\/dist\//, "./src/").replace(/\.js$/, ".ts"));
    if (existsSync(src)) entryFiles.add(src);
  }
}

function resolveSpecifier(from: string, spec: string): string | undefined {
  if (packageEntries.has(spec)) return packageEntries.get(spec);
  if (!spec.startsWith(".")) return undefined;
  const base = resolve(dirname(from), spec);
  for (const c of [base, base.replace(/\.js$/, ".ts"), base.replace(/\.mjs$/, ".mts"), `${base}.ts`, join(base, "index.ts")]) {
    if (existsSync(c) && statSync(c).isFile()) return c;
  }
  return undefined;
}

interface ModuleInfo {
  /** Names this file declares and exports itself (not re-exports). */
  declared: Set<string>;
  /** `export { a as b } from "x"`: b -> [file x, a]. */
  reexports: Map<string, [string, string]>;
  /** `export * from "x"`. */
  stars: string[];
}

const modules = new Map<string, ModuleInfo>();
/** file -> names used from it by other files ("*" = all). */
const used = new Map<string, Set<string>>();
const use = (file: string | undefined, name: string) => {
  if (!file) return;
  if (!used.has(file)) used.set(file, new Set());
  used.get(file)!.add(name);
};

const hasExport = (n: ts.Node) => ts.canHaveModifiers(n) && (ts.getModifiers(n) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);

for (const file of all) {
  const sf = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, true);
  const info: ModuleInfo = { declared: new Set(), reexports: new Map(), stars: [] };
  modules.set(file, info);
  const visit = (n: ts.Node): void => {
    if (ts.isImportDeclaration(n) && ts.isStringLiteral(n.moduleSpecifier)) {
      const target = resolveSpecifier(file, n.moduleSpecifier.text);
      const b = n.importClause?.namedBindings;
      if (n.importClause?.name) use(target, "default");
      if (b && ts.isNamespaceImport(b)) use(target, "*");
      if (b && ts.isNamedImports(b)) for (const e of b.elements) use(target, (e.propertyName ?? e.name).text);
    } else if (ts.isExportDeclaration(n)) {
      const target = n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier) ? resolveSpecifier(file, n.moduleSpecifier.text) : undefined;
      if (n.moduleSpecifier && !n.exportClause) {
        if (target) info.stars.push(target);
      } else if (n.exportClause && ts.isNamedExports(n.exportClause)) {
        for (const e of n.exportClause.elements) {
          const local = (e.propertyName ?? e.name).text;
          if (target) info.reexports.set(e.name.text, [target, local]);
          else info.declared.add(e.name.text); // export { x } of a local
        }
      } else if (n.exportClause && ts.isNamespaceExport(n.exportClause) && target) {
        info.reexports.set(n.exportClause.name.text, [target, "*"]);
      }
    } else if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword && n.arguments[0] && ts.isStringLiteral(n.arguments[0])) {
      use(resolveSpecifier(file, n.arguments[0].text), "*");
    } else if (hasExport(n)) {
      if (ts.isVariableStatement(n)) {
        for (const d of n.declarationList.declarations) if (ts.isIdentifier(d.name)) info.declared.add(d.name.text);
      } else if ((ts.isFunctionDeclaration(n) || ts.isClassDeclaration(n) || ts.isInterfaceDeclaration(n) || ts.isTypeAliasDeclaration(n) || ts.isEnumDeclaration(n)) && n.name) {
        info.declared.add(n.name.text);
      }
    } else if (ts.isExportAssignment(n)) info.declared.add("default");
    ts.forEachChild(n, visit);
  };
  visit(sf);
}

// Public: everything reachable from the entry points through re-exports.
const isPublic = new Map<string, Set<string>>();
function markPublic(file: string, name: string): void {
  const set = isPublic.get(file) ?? new Set<string>();
  isPublic.set(file, set);
  if (set.has(name) || set.has("*")) return;
  set.add(name);
  const m = modules.get(file);
  if (!m) return;
  if (name === "*") {
    for (const n of m.declared) set.add(n);
    for (const [n, [t, local]] of m.reexports) {
      set.add(n);
      markPublic(t, local);
    }
    for (const t of m.stars) markPublic(t, "*");
    return;
  }
  const re = m.reexports.get(name);
  if (re) markPublic(re[0], re[1]);
  else if (!m.declared.has(name)) for (const t of m.stars) markPublic(t, name);
}
for (const e of entryFiles) markPublic(e, "*");

// Uses travel through re-exports too: importing x from an index that re-exports it uses the original.
function propagate(file: string, name: string, seen = new Set<string>()): void {
  const k = `${file}#${name}`;
  if (seen.has(k)) return;
  seen.add(k);
  const m = modules.get(file);
  if (!m) return;
  if (name === "*") {
    for (const [, [t, local]] of m.reexports) {
      use(t, local);
      propagate(t, local, seen);
    }
    for (const t of m.stars) {
      use(t, "*");
      propagate(t, "*", seen);
    }
    return;
  }
  const re = m.reexports.get(name);
  if (re) {
    use(re[0], re[1]);
    propagate(re[0], re[1], seen);
  } else if (!m.declared.has(name)) {
    for (const t of m.stars) {
      use(t, name);
      propagate(t, name, seen);
    }
  }
}
for (const [file, names] of [...used].map(([f, s]) => [f, [...s]] as const)) for (const n of names) propagate(file, n);


/** `file: name` of each export under packages/<pkg>/src that is neither public nor used elsewhere. */
function deadExports(): string[] {
  const dead: string[] = [];
  for (const [file, m] of modules) {
    const rel = relative(root, file).split("\\").join("/");
    if (!/^packages\/[^/]+\/src\//.test(rel) || /\.(test|fixture)\.ts$/.test(rel)) continue;
    const pub = isPublic.get(file) ?? new Set();
    const u = used.get(file) ?? new Set();
    if (pub.has("*") || u.has("*")) continue;
    for (const name of [...m.declared, ...m.reexports.keys()]) if (!pub.has(name) && !u.has(name)) dead.push(`${rel}: ${name}`);
  }
  return dead.sort();
}

describe("dead exports", () => {
  it("finds the entry points and the sources", () => {
    expect(packageEntries.get("@diva/tensor")).toMatch(/packages[\\/]tensor[\\/]src[\\/]index\.ts$/);
    expect(modules.size).toBeGreaterThan(300);
  });

  it("every export of packages/*/src is public or imported somewhere", () => {
    expect(deadExports()).toEqual([]);
  });
});
