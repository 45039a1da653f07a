import { join } from "node:path";
import { cast, dispose, fromHost, noGrad, reshape, tidy, type Device, type Tensor } from "@diva/tensor";
import { applyHfClipText, loadHfClipText, type ClipTokenizer, type HfClipTextConfig, type HfClipTextParams } from "@diva/nn";

/** The prompt whose SD text embedding joins the DIVA condition. */
export const DIVA_PROMPT = "a photo of a .";

/**
 * The SD text encoder's `last_hidden_state` for one prompt, as a constant [L, C]: the prompt is tokenized
 * with CLIP's BPE to L = `max_position_embeddings` (77) tokens (start, tokens, end, zero padding: the ids
 * diffusers' tokenizer gives SD 2.x) and run through the HF CLIPTextModel.
 */
export function promptEmbedding(params: HfClipTextParams, config: HfClipTextConfig, tokenizer: ClipTokenizer, prompt = DIVA_PROMPT): Tensor {
  const length = config.max_position_embeddings ?? 77;
  const { ids, shape } = tokenizer.tokenize(prompt, length);
  return noGrad(() =>
    tidy(() => {
      const t = fromHost(ids, "int32", shape, params.text_model.embeddings.token_embedding.weight.device);
      const h = applyHfClipText(params, t, config).lastHiddenState; // [1, L, C]
      // a float16 encoder (mixed precision) still gives a float32 constant
      return cast(reshape(h, [h.shape[1]!, h.shape[2]!]), "float32");
    }),
  );
}

/**
 * Loads `text_encoder/` of a diffusers SD folder (in float32, or float16 with `dtype`), computes
 * {@link promptEmbedding} (float32) and frees the encoder.
 */
export async function sdPromptEmbedding(
  sdDir: string,
  tokenizer: ClipTokenizer,
  options: { device?: Device; prompt?: string; dtype?: "float32" | "float16" } = {},
): Promise<Tensor> {
  const encoder = await loadHfClipText(join(sdDir, "text_encoder"), { ...(options.device ? { device: options.device } : {}), dtype: options.dtype ?? "float32" });
  try {
    return promptEmbedding(encoder.params, encoder.config, tokenizer, options.prompt);
  } finally {
    dispose(encoder.params);
  }
}
