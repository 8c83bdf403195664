/** Seeded random bytes for H_RANDOM and rng-seed (deterministic runs, -seed). */

/**
 * A seeded byte generator (a counter through a 32-bit integer mixer, the splitmix/murmur3
 * finaliser constants): the same seed gives the same byte stream. Not for cryptography; it
 * stands in for the host's CSPRNG where runs must repeat (H_RANDOM, /chosen/rng-seed).
 */
export function seededRandom(seed: number): (bytes: Uint8Array) => void {
  let state = seed >>> 0;
  let word = 0;
  let left = 0;
  return (bytes) => {
    for (let i = 0; i < bytes.length; i++) {
      if (left === 0) {
        state = (state + 0x9e3779b9) | 0;
        let z = state;
        z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
        z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
        word = (z ^ (z >>> 16)) >>> 0;
        left = 4;
      }
      bytes[i] = word & 0xff;
      word >>>= 8;
      left--;
    }
  };
}
