const STATE_SIZE = 624;
const SHIFT_SIZE = 397;
const TWO_POW_53 = 9007199254740992;

/**
 * The Mersenne Twister MT19937 (Matsumoto & Nishimura 1998), seeded like NumPy's legacy
 * `np.random.seed(int)` (init_genrand), so seeded draws match published Python protocols bit for bit.
 */
export class Mt19937 {
  private readonly state = new Uint32Array(STATE_SIZE);
  private index = STATE_SIZE;

  constructor(seed: number) {
    const mt = this.state;
    mt[0] = seed >>> 0;
    for (let i = 1; i < STATE_SIZE; i++) {
      const previous = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = Math.imul(1812433253, previous) + i;
    }
  }

  nextUint32(): number {
    if (this.index >= STATE_SIZE) this.twist();
    let y = this.state[this.index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** A double in [0, 1) with 53 random bits, built exactly as NumPy's `random_sample`. */
  nextDouble(): number {
    const high = this.nextUint32() >>> 5;
    const low = this.nextUint32() >>> 6;
    return (high * 67108864 + low) / TWO_POW_53;
  }

  private twist(): void {
    const mt = this.state;
    for (let i = 0; i < STATE_SIZE; i++) {
      const y = (mt[i] & 0x80000000) | (mt[(i + 1) % STATE_SIZE] & 0x7fffffff);
      mt[i] = mt[(i + SHIFT_SIZE) % STATE_SIZE] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
    }
    this.index = 0;
  }
}
