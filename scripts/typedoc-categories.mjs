// @ts-check
/**
 * TypeDoc plugin: groups each package's exports by topic. A package page lists its exports under topic
 * headings (Creation, Elementwise, ..., CLIP, Diffusion, ..., Training, Evaluation) instead of one
 * alphabetical list per kind, and the navigation shows the same topics.
 *
 * An export's topic is its `@category` tag when its doc comment has one; otherwise the first rule below that
 * matches its source file (path under `packages/<package>/src/`) and, where a rule names one, its export name.
 * An export that gets no topic either way is reported as a warning, which fails `npm run docs`
 * (treatWarningsAsErrors), so that new files are placed too: add a rule here or a `@category` tag.
 * Helpers that are exported for sibling packages or tests but are not meant for users carry `@internal`,
 * which hides them (excludeInternal).
 */
import { Comment, CommentTag, Converter, ReflectionKind } from "typedoc";

/** @typedef {{ pkg: string, path: RegExp, name?: RegExp, category: string }} Rule */

/** @type {Rule[]} */
export const RULES = [
  // @diva/tensor
  { pkg: "tensor", path: /^ops\/[a-z-]+\.ts$/, name: /Defs$/, category: "Writing ops" },
  { pkg: "tensor", path: /^(tensor|format|dtype|shape)\.ts$|^ops\/util\.ts$/, category: "Tensor" },
  { pkg: "tensor", path: /^ops\/creation\.ts$/, category: "Creation" },
  { pkg: "tensor", path: /^ops\/elementwise\.ts$/, category: "Elementwise" },
  { pkg: "tensor", path: /^ops\/reduce\.ts$/, category: "Reductions" },
  { pkg: "tensor", path: /^ops\/matmul\.ts$/, category: "Linear algebra" },
  { pkg: "tensor", path: /^ops\/shape\.ts$/, category: "Shape" },
  { pkg: "tensor", path: /^ops\/indexing\.ts$/, category: "Indexing" },
  { pkg: "tensor", path: /^ops\/(nn|norm|attention|bias-act|conv|window|softmax)\.ts$/, category: "Neural network ops" },
  { pkg: "tensor", path: /^ops\/(registry|elementwise-table|kernel-attrs)\.ts$|^autograd\/tape\.ts$/, category: "Writing ops" },
  { pkg: "tensor", path: /^autograd\//, category: "Autograd" },
  { pkg: "tensor", path: /^engine\/(memory|tidy|limits)\.ts$/, category: "Memory" },
  { pkg: "tensor", path: /^tree\.ts$/, category: "Trees" },
  { pkg: "tensor", path: /^backend\/|^engine\/backends\.ts$|^env\.ts$/, category: "Backends" },
  { pkg: "tensor", path: /^io\/|^names\.ts$/, category: "IO" },
  { pkg: "tensor", path: /^random\//, category: "Random" },
  // @diva/nn
  { pkg: "nn", path: /^checkpoint-names\/(params|specs|validate)\.ts$/, category: "Parameters" },
  { pkg: "nn", path: /^layers\//, category: "Layers" },
  { pkg: "nn", path: /^clip\/(tokenizer|sentencepiece-tokenizer)(\/|\.ts$)/, category: "Tokenizers" },
  { pkg: "nn", path: /^clip\/(load|load-hf-text|infer-config)\.ts$|^checkpoint-names\//, category: "Checkpoints" },
  { pkg: "nn", path: /^clip\//, category: "CLIP" },
  { pkg: "nn", path: /^diffusion\/schedulers\//, category: "Schedulers" },
  { pkg: "nn", path: /^diffusion\/io\//, category: "Checkpoints" },
  { pkg: "nn", path: /^parity\//, category: "Parity" },
  { pkg: "nn", path: /^diffusion\//, category: "Diffusion" },
  { pkg: "nn", path: /^optim\//, category: "Optimizers" },
  { pkg: "nn", path: /^torch-pickle\//, category: "Checkpoints" },
  { pkg: "nn", path: /^presets\//, category: "Presets" },
  // @diva/core
  { pkg: "diva", path: /^(condition|objective)\.ts$|^models\/(frozen-diffusion|frozen-dtype|prompt-embedding|projection|vision-tokens)\.ts$/, category: "DIVA" },
  { pkg: "diva", path: /^step\.ts$|^train\//, category: "Training" },
  { pkg: "diva", path: /^models\/(clip-checkpoint|clip-export|tokenizer|siglip-tokenizer)\.ts$/, category: "Checkpoints and files" },
  { pkg: "diva", path: /^eval\//, category: "Evaluation" },
  { pkg: "diva", path: /^data\//, category: "Data" },
  { pkg: "diva", path: /^(presets|preset-file|preset-config)\.ts$/, category: "Presets" },
  { pkg: "diva", path: /^demo\//, category: "Demo" },
  { pkg: "diva", path: /^full-scale\//, category: "Full scale" },
  { pkg: "diva", path: /^cli\//, category: "CLI" },
];

/**
 * The topic of an export from its source file and name, or undefined.
 * @param {string} fileName absolute or repository-relative path of the declaring file
 * @param {string} name export name
 */
export function categoryFor(fileName, name) {
  const m = /packages\/([a-z]+)\/src\/(.+)$/.exec(fileName.replace(/\\/g, "/"));
  if (!m) return undefined;
  const [, pkg, path] = m;
  return RULES.find((r) => r.pkg === pkg && r.path.test(/** @type {string} */ (path)) && (!r.name || r.name.test(name)))?.category;
}

/** @param {import("typedoc").Application} app */
export function load(app) {
  /** @type {Map<import("typedoc").DeclarationReflection, string | undefined>} */
  const fromRules = new Map();

  app.converter.on(Converter.EVENT_CREATE_DECLARATION, (context, reflection) => {
    if (!reflection.parent?.kindOf(ReflectionKind.Module)) return;
    const decl = context.getSymbolFromReflection(reflection)?.declarations?.[0];
    fromRules.set(reflection, decl ? categoryFor(decl.getSourceFile().fileName, reflection.name) : undefined);
  });

  // before TypeDoc's CategoryPlugin (priority -200) reads the tags
  app.converter.on(
    Converter.EVENT_RESOLVE_END,
    (context) => {
      for (const [reflection, category] of fromRules) {
        if (!context.project.getReflectionById(reflection.id)) continue; // removed (@internal, excluded)
        if (hasCategoryTag(reflection)) continue;
        if (!category) {
          app.logger.warn(
            `${reflection.getFriendlyFullName()} has no topic: give it a @category tag or add a rule for its file to scripts/typedoc-categories.mjs`,
          );
          continue;
        }
        const target = reflection.signatures?.[0] ?? reflection;
        target.comment ??= new Comment();
        target.comment.blockTags.push(new CommentTag("@category", [{ kind: "text", text: category }]));
      }
      fromRules.clear();
    },
    100,
  );
}

/** @param {import("typedoc").DeclarationReflection} r */
function hasCategoryTag(r) {
  const comments = [r.comment, ...(r.signatures ?? []).map((s) => s.comment)];
  return comments.some((c) => c?.blockTags.some((t) => t.tag === "@category"));
}
