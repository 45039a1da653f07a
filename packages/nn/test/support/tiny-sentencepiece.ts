/**
 * Test helper: a small SentencePiece Unigram `tokenizer.json` shaped like SigLIP's: Metaspace pre-tokenizer and
 * decoder, `</s>` appended by a TemplateProcessing post-processor, ids 0 <pad>, 1 </s>, 2 <unk> as in SigLIP's
 * vocabulary, then the caller's pieces (so a test picks a vocabulary that fits its text tower).
 */

const special = (id: number, content: string) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
const seq = { Sequence: { id: "A", type_id: 0 } };
const eos = { SpecialToken: { id: "</s>", type_id: 0 } };

/** The tokenizer.json with `pieces` ([piece, score]; ids from 3 on) after the three special tokens. */
export function tinySentencePieceJson(pieces: readonly (readonly [string, number])[]) {
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: [special(0, "<pad>"), special(1, "</s>"), special(2, "<unk>")],
    normalizer: null,
    pre_tokenizer: { type: "Metaspace", replacement: "\u2581", prepend_scheme: "always", split: true },
    post_processor: {
      type: "TemplateProcessing",
      single: [seq, eos],
      pair: [seq, eos, { Sequence: { id: "B", type_id: 0 } }, eos],
      special_tokens: { "</s>": { id: "</s>", ids: [1], tokens: ["</s>"] } },
    },
    decoder: { type: "Metaspace", replacement: "\u2581", prepend_scheme: "always", split: true },
    model: {
      type: "Unigram",
      unk_id: 2,
      byte_fallback: false,
      vocab: [["<pad>", 0], ["</s>", 0], ["<unk>", 0], ...pieces.map(([p, s]) => [p, s])],
    },
  };
}
