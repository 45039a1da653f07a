/**
 * sgdStep frees each parameter's temporaries (the weight-decay term, lr * direction) before the next parameter:
 * at ViT-L/14 size each temporary over the whole tree is 1.14 GiB, and holding them all until the step returned
 * set the full-size DIVA step's peak memory with activation checkpointing (docs/benchmarks.md).
 * Live bytes are sampled whenever the step reads a parameter (a Proxy over the parameter tree).
 */
import { describe, expect, it } from "vitest";
import { dispose, normal, randomKey } from "@diva/tensor";
import { sgdInit, sgdStep } from "./sgd.js";
import { liveBytes, sampling } from "../../test/support/live-bytes.js";


const LEAVES = 16;
const SHAPE = [64, 64];
const LEAF = 4 * 64 * 64;

describe("sgdStep memory", () => {
  it("holds one parameter's temporaries at a time, not the whole tree's", () => {
    const params = Object.fromEntries(Array.from({ length: LEAVES }, (_, i) => [`w${i}`, normal(randomKey(i), SHAPE)]));
    const grads = Object.fromEntries(Array.from({ length: LEAVES }, (_, i) => [`w${i}`, normal(randomKey(100 + i), SHAPE)]));
    const options = { lr: 0.1, momentum: 0.9, weightDecay: 0.01 };
    const [p1, s1] = sgdStep(params, grads, sgdInit<typeof params>(), options);
    const samples: number[] = [];
    const base = liveBytes();
    const [p2, s2] = sgdStep(sampling(p1, samples), grads, s1, options);
    // what must exist at the end: new parameters and new momentum (2 leaves each); one leaf's temporaries on top.
    // Holding every leaf's weight-decay term, sum and lr-scaled direction until the end: about 5 per leaf.
    expect(samples.length).toBeGreaterThan(LEAVES);
    expect(Math.max(...samples) - base).toBeLessThan((2 * LEAVES + 6) * LEAF);
    dispose([params, grads, p1, s1.momentum, p2, s2.momentum]);
  });
});
