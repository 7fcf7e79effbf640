// Deterministic PRNG behind WASI random_get (seed option, default 1): splitmix32-style, so the
// same seed always gives the same bytes and hosts never share state.

export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  nextU32(): number {
    let z = (this.state = (this.state + 0x9e3779b9) >>> 0);
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 4) {
      const r = this.nextU32();
      for (let j = 0; j < 4 && i + j < n; j++) out[i + j] = (r >>> (j * 8)) & 0xff;
    }
    return out;
  }
}
