/**
 * How the loopback server writes a body: all at once, frame by frame, one byte per write (so every
 * multi-byte UTF-8 character is split), re-cut at seeded random offsets, dripped slowly, or in
 * blocks of a fixed size (for large bodies).
 */
export type Delivery =
  | { mode: "whole" }
  | { mode: "frames" }
  | { mode: "bytes" }
  | { mode: "random"; seed: number; minPiece?: number; maxPiece?: number }
  | { mode: "drip"; intervalMs: number }
  | { mode: "blocks"; size: number };

/** A small deterministic PRNG (mulberry32), so a failing random re-cut can be replayed by seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Cuts the encoded frames into the byte pieces one write each, as `delivery` says. */
export function cutPieces(frames: readonly string[], delivery: Delivery): Buffer[] {
  switch (delivery.mode) {
    case "whole":
      return [Buffer.from(frames.join(""), "utf8")];
    case "frames":
    case "drip":
      return frames.map((frame) => Buffer.from(frame, "utf8"));
    case "bytes": {
      const all = Buffer.from(frames.join(""), "utf8");
      const out: Buffer[] = [];
      for (let i = 0; i < all.length; i++) out.push(all.subarray(i, i + 1));
      return out;
    }
    case "blocks": {
      const all = Buffer.from(frames.join(""), "utf8");
      const out: Buffer[] = [];
      for (let at = 0; at < all.length; at += delivery.size)
        out.push(all.subarray(at, at + delivery.size));
      return out;
    }
    case "random": {
      const all = Buffer.from(frames.join(""), "utf8");
      const random = seededRandom(delivery.seed);
      const min = delivery.minPiece ?? 1;
      const max = Math.max(min, delivery.maxPiece ?? 7);
      const out: Buffer[] = [];
      let at = 0;
      while (at < all.length) {
        const size = min + Math.floor(random() * (max - min + 1));
        out.push(all.subarray(at, at + size));
        at += size;
      }
      return out;
    }
  }
}
