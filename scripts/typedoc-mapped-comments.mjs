// @ts-check
/**
 * TypeDoc plugin: a property that comes from a mapped type over a union of names (`{ [K in OpName]: T }`) has
 * no declaration of its own, so the doc comment written on the mapped member is lost and typedoc's
 * `notDocumented` validation reports every such property. This plugin gives each one the mapped member's
 * comment (the text of the `/** ... *\/` block just before `[K in ...]`).
 */
import ts from "typescript";
import { Comment, Converter, ReflectionKind } from "typedoc";

/** @param {import("typedoc").Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_CREATE_DECLARATION, (context, reflection) => {
    if (reflection.comment || !reflection.kindOf(ReflectionKind.Property)) return;
    const symbol = context.getSymbolFromReflection(reflection);
    /** @type {ts.MappedTypeNode | undefined} */
    const mapped = /** @type {any} */ (symbol)?.links?.mappedType?.declaration;
    if (!mapped || symbol?.declarations?.length) return;
    const text = mappedMemberComment(mapped);
    if (text) reflection.comment = new Comment([{ kind: "text", text }]);
  });
}

/** @param {ts.MappedTypeNode} node */
function mappedMemberComment(node) {
  const source = node.getSourceFile().text;
  const open = node.getChildren().find((c) => c.kind === ts.SyntaxKind.OpenBracketToken);
  if (!open) return undefined;
  const ranges = ts.getLeadingCommentRanges(source, open.pos) ?? [];
  const last = ranges.filter((r) => source.startsWith("/**", r.pos)).at(-1);
  if (!last) return undefined;
  return source
    .slice(last.pos + 3, last.end - 2)
    .split("\n")
    .map((line) => line.replace(/^\s*\*\s?/, "").trim())
    .join(" ")
    .trim();
}
