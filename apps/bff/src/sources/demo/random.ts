// The demo's only source of variety. Everything it makes, from pod names to the order of its
// changes, comes from one stream seeded once, so the same seed replays the same company.

import { seededRandom } from "@trustmap/shared";

/** The characters Kubernetes uses for generated name suffixes (no vowels, no look-alikes). */
const NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

export class Random {
  /** In [0, 1): mulberry32, tiny, fast and good enough to make a company look varied. */
  readonly next: () => number;

  constructor(seed: number) {
    this.next = seededRandom(seed);
  }

  /** An integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error("Random.pick from an empty list");
    return item;
  }

  /** Like `rand.String` in k8s.io/apimachinery: the suffix of generated pod and ReplicaSet names. */
  nameSuffix(length: number): string {
    let out = "";
    for (let i = 0; i < length; i++)
      out += NAME_ALPHABET.charAt(Math.floor(this.next() * NAME_ALPHABET.length));
    return out;
  }

  hex(length: number): string {
    let out = "";
    for (let i = 0; i < length; i++) out += Math.floor(this.next() * 16).toString(16);
    return out;
  }

  /** A version-4-shaped UID, as the API server gives every object. */
  uid(): string {
    return `${this.hex(8)}-${this.hex(4)}-4${this.hex(3)}-a${this.hex(3)}-${this.hex(12)}`;
  }
}
