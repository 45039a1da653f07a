// @ts-check
/**
 * TypeDoc plugin for two kinds of property that cannot carry a doc comment of their own, so that typedoc's
 * `notDocumented` validation does not report them and the pages show the comment an editor would show:
 *
 * - a property made by a mapped type over a union of names (`{ [K in OpName]: T }`) has no declaration, so
 *   it gets the comment written on the mapped member (the doc comment just before `[K in ...]`);
 * - a property of an object literal (`{ js: "-x", ... } satisfies Record<string, UnaryDef>`) without a comment
 *   gets the comment of the same property in the literal's contextual type (`UnaryDef.js`).
 */
import ts from "typescript";
import { Comment, Converter, ReflectionKind } from "typedoc";

/** @param {import("typedoc").Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_CREATE_DECLARATION, (context, reflection) => {
    if (reflection.comment || !reflection.kindOf(ReflectionKind.Property)) return;
    const symbol = context.getSymbolFromReflection(reflection);
    if (!symbol) return;
    /** @type {ts.MappedTypeNode | undefined} */
    const mapped = /** @type {any} */ (symbol).links?.mappedType?.declaration;
    if (mapped && !symbol.declarations?.length) {
      const text = mappedMemberComment(mapped);
      if (text) reflection.comment = new Comment([{ kind: "text", text }]);
      return;
    }
    const decl = symbol.declarations?.[0];
    if (decl && (ts.isPropertyAssignment(decl) || ts.isShorthandPropertyAssignment(decl)) && ts.isObjectLiteralExpression(decl.parent)) {
      const contextual = context.checker.getContextualType(decl.parent);
      const target = contextual?.getProperty(symbol.name);
      if (target && target !== symbol) {
        const comment = context.getComment(target, reflection.kind);
        if (comment) reflection.comment = comment.clone();
      }
    }
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
