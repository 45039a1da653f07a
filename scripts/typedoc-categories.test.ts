/**
 * The topic rules of the API docs (scripts/typedoc-categories.mjs): the first matching rule wins, name rules
 * before file rules, and every source file that a package index re-exports has a topic (otherwise
 * `npm run docs` fails with a warning naming the export).
 */
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

type CategoryFor = (fileName: string, name: string) => string | undefined;
const pluginPath = "./typedoc-categories.mjs";
const { categoryFor } = (await import(pluginPath)) as { categoryFor: CategoryFor };
const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

describe("API doc topics", () => {
  it("places exports by file, and op tables by name", () => {
    expect(categoryFor(`${root}/packages/tensor/src/ops/elementwise.ts`, "add")).toBe("Elementwise");
    expect(categoryFor(`${root}/packages/tensor/src/ops/elementwise.ts`, "elementwiseDefs")).toBe("Writing ops");
    expect(categoryFor("packages/tensor/src/ops/creation.ts", "tensor")).toBe("Creation");
    expect(categoryFor("packages/tensor/src/ops/matmul.ts", "matmul")).toBe("Linear algebra");
    expect(categoryFor("packages/tensor/src/autograd/grad.ts", "valueAndGrad")).toBe("Autograd");
    expect(categoryFor("packages/tensor/src/engine/tidy.ts", "tidy")).toBe("Memory");
    expect(categoryFor("packages/nn/src/clip/tokenizer/clean.ts", "cleanText")).toBe("Tokenizers");
    expect(categoryFor("packages/nn/src/clip/load.ts", "loadClip")).toBe("Checkpoints");
    expect(categoryFor("packages/nn/src/clip/vision.ts", "applyClipVision")).toBe("CLIP");
    expect(categoryFor("packages/nn/src/diffusion/schedulers/ddim.ts", "DDIMScheduler")).toBe("Schedulers");
    expect(categoryFor("packages/nn/src/diffusion/unet/forward.ts", "unetForward")).toBe("Diffusion");
    expect(categoryFor("packages/nn/src/optim/optimizer.ts", "sgd")).toBe("Optimizers");
    expect(categoryFor("packages/nn/src/checkpoint-names/specs.ts", "initFromSpecs")).toBe("Parameters");
    expect(categoryFor("packages/nn/src/checkpoint-names/hf-clip.ts", "hfClipToOpenClip")).toBe("Checkpoints");
    expect(categoryFor("packages/diva/src/train/post-train.ts", "postTrain")).toBe("Training");
    expect(categoryFor("packages/diva/src/eval/mmvp.ts", "evalMMVP")).toBe("Evaluation");
    expect(categoryFor("packages/diva/src/somewhere-new.ts", "x")).toBeUndefined();
  });

  it("has a topic for every file a package index re-exports", () => {
    for (const pkg of ["tensor", "nn", "diva"]) {
      const index = readFileSync(join(root, "packages", pkg, "src", "index.ts"), "utf8");
      const files = [...index.matchAll(/from "\.\/(.+?)\.js"/g)].map((m) => m[1]!);
      expect(files.length).toBeGreaterThan(0);
      for (const f of files) {
        // index files of folders re-export their siblings: check the folder has a rule
        const file = join(root, "packages", pkg, "src", `${f}.ts`);
        expect({ file: `${pkg}/${f}`, topic: categoryFor(file, "anything") !== undefined }).toEqual({ file: `${pkg}/${f}`, topic: true });
      }
    }
  });
});
