/**
 * A first-fit allocator over a range of byte addresses (the resident part of the kernel memory): blocks
 * are kept in address order, freed neighbours coalesce, and the top shrinks when the last block is freed.
 */

interface Block {
  at: number;
  size: number;
  free: boolean;
}

/** Allocates byte ranges at or above `base`, aligned to `align` bytes. */
export class Heap {
  private readonly blocks: Block[] = [];

  constructor(
    private readonly base: number,
    private readonly align = 64,
  ) {}

  /** First address above every live block (where scratch space may start). */
  get top(): number {
    const last = this.blocks[this.blocks.length - 1];
    return last ? last.at + last.size : this.base;
  }

  /** Bytes in live blocks. */
  get liveBytes(): number {
    return this.blocks.reduce((s, b) => s + (b.free ? 0 : b.size), 0);
  }

  /** Reserves `bytes` (rounded up to the alignment) and returns the address. */
  alloc(bytes: number): number {
    const size = Math.max(this.align, Math.ceil(bytes / this.align) * this.align);
    for (let i = 0; i < this.blocks.length; i++) {
      const b = this.blocks[i]!;
      if (!b.free || b.size < size) continue;
      if (b.size > size) this.blocks.splice(i + 1, 0, { at: b.at + size, size: b.size - size, free: true });
      b.size = size;
      b.free = false;
      return b.at;
    }
    const at = this.top;
    this.blocks.push({ at, size, free: false });
    return at;
  }

  /** Releases the block at `at`; throws for an address that is not a live block. */
  free(at: number): void {
    const i = this.indexOf(at);
    const b = this.blocks[i];
    if (!b || b.free) throw new Error(`Heap.free: ${at} is not an allocated block`);
    b.free = true;
    const next = this.blocks[i + 1];
    if (next?.free) {
      b.size += next.size;
      this.blocks.splice(i + 1, 1);
    }
    const prev = this.blocks[i - 1];
    if (prev?.free) {
      prev.size += b.size;
      this.blocks.splice(i, 1);
    }
    const last = this.blocks[this.blocks.length - 1];
    if (last?.free) this.blocks.pop();
  }

  /** Index of the block at `at` (blocks are in address order), or -1. */
  private indexOf(at: number): number {
    let lo = 0, hi = this.blocks.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const a = this.blocks[mid]!.at;
      if (a === at) return mid;
      if (a < at) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }
}
