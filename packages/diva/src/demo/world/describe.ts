/**
 * The deterministic phrase builder shared by training captions and benchmark statements: a scene plus a
 * set of mentioned attributes gives one English phrase, so the benchmark's wording is exactly the
 * wording that training captions use when they happen to mention the same detail.
 */
import { article, numberWord, plural, positionPhrase, relationPhrase } from "./phrases.js";
import type { Scene, WorldObject } from "./scene.js";
import { isOriented, slotOffset, supportsDot, supportsHollow, supportsStripes } from "./vocabulary.js";

/** Fine-grained attributes a caption may leave out. */
export const FINE_ATTRIBUTES = [
  "direction", "dot", "fill", "pattern", "glyph", "scale", "count", "relation", "position", "view", "background",
] as const;
/** One fine-grained attribute. */
export type FineAttribute = (typeof FINE_ATTRIBUTES)[number];
/** Anything a caption can mention: the kind (always), the colour, or a fine attribute. */
export type Mention = "kind" | "colour" | FineAttribute;

/** Whether an object can show a dot (so "without a dot" is meaningful). */
function dotVisible(o: WorldObject): boolean {
  return supportsDot(o.kind) && o.scale !== "small";
}

/** Whether an object can show stripes. */
function stripesVisible(o: WorldObject): boolean {
  return supportsStripes(o.kind) && o.scale !== "small";
}

/** The fine attributes a scene has something to say about (those a caption could mention). */
export function applicableAttributes(scene: Scene): FineAttribute[] {
  const objs = scene.objects;
  const some = (f: (o: WorldObject) => boolean): boolean => objs.some(f);
  const out: FineAttribute[] = [];
  if (some((o) => isOriented(o.kind))) out.push("direction");
  if (some(dotVisible)) out.push("dot");
  if (some((o) => supportsHollow(o.kind))) out.push("fill");
  if (some(stripesVisible)) out.push("pattern");
  if (some((o) => o.glyph !== null)) out.push("glyph");
  if (some((o) => o.scale !== "medium")) out.push("scale");
  if (objs.length > 1) out.push("count");
  if (objs.length === 2) out.push("relation");
  if (objs.length === 1) out.push("position");
  if (scene.view !== "normal") out.push("view");
  out.push("background");
  return out;
}

interface NounPhrase {
  readonly pre: readonly string[];
  readonly kind: WorldObject["kind"];
  readonly post: readonly string[];
}

function nounPhrase(o: WorldObject, m: ReadonlySet<Mention>): NounPhrase {
  const pre: string[] = [];
  const post: string[] = [];
  if (m.has("scale") && o.scale !== "medium") pre.push(o.scale);
  if (m.has("fill") && supportsHollow(o.kind)) pre.push(o.fill);
  if (m.has("pattern") && stripesVisible(o)) pre.push(o.pattern);
  if (m.has("colour")) pre.push(o.colour);
  if (m.has("direction") && isOriented(o.kind)) post.push(`pointing ${o.direction}`);
  if (m.has("dot") && dotVisible(o)) post.push(o.dot ? "with a dot inside" : "without a dot");
  if (m.has("glyph") && o.glyph !== null) post.push(`with the letter ${o.glyph}`);
  return { pre, kind: o.kind, post };
}

function render(np: NounPhrase, count: number | null): string {
  const noun = count === 1 ? np.kind : plural(np.kind);
  const body = [...np.pre, noun, ...np.post].join(" ");
  if (count === 1) return `${article(body)} ${body}`;
  return count === null ? body : `${numberWord(count)} ${body}`;
}

function joinList(items: readonly string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

/** The objects part: one object, a relation between two, or groups of identical-looking objects. */
function describeObjects(scene: Scene, m: ReadonlySet<Mention>): string {
  const objs = scene.objects;
  if (objs.length === 1) {
    const phrase = render(nounPhrase(objs[0], m), 1);
    return m.has("position") ? `${phrase} ${positionPhrase(objs[0].position)}` : phrase;
  }
  if (objs.length === 2 && m.has("relation")) {
    const rel = relationPhrase(slotOffset(objs[0].position), slotOffset(objs[1].position));
    return `${render(nounPhrase(objs[0], m), 1)} ${rel} ${render(nounPhrase(objs[1], m), 1)}`;
  }
  const groups = new Map<string, { np: NounPhrase; n: number }>();
  for (const o of objs) {
    const np = nounPhrase(o, m);
    const key = [...np.pre, np.kind, ...np.post].join(" ");
    const g = groups.get(key);
    if (g) g.n++;
    else groups.set(key, { np, n: 1 });
  }
  return joinList([...groups.values()].map(({ np, n }) => render(np, n === 1 ? 1 : m.has("count") ? n : null)));
}

/** The phrase for a scene mentioning the kind plus exactly the attributes in `mentions`. */
export function describeScene(scene: Scene, mentions: ReadonlySet<Mention>): string {
  let text = describeObjects(scene, mentions);
  if (mentions.has("view") && scene.view === "close-up") text = `a close-up of ${text}`;
  if (mentions.has("view") && scene.view === "far") text = `${text} seen from far away`;
  if (mentions.has("background")) text = `${text} on a ${scene.background} background`;
  return text;
}
