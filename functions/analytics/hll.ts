/**
 * HyperLogLog: how many different readers, in bounded memory. Each reader's 64-bit hash picks
 * one of 4,096 registers by its first 12 bits, and the register keeps the longest run of leading
 * zeros (plus one) seen in the other 52. The estimate's standard error is 1.04 / √4096 ≈ 1.6%;
 * below about 10,000 readers a day it is counted by the registers still empty (linear counting),
 * which is closer still. Registers only ever grow, so merging is a MAX: the same reader counted
 * twice, or a batch applied twice, changes nothing.
 */

export const PRECISION = 12;
export const REGISTERS = 1 << PRECISION;
const REST_BITS = 64 - PRECISION;

/** The register a 64-bit hash (16 hex digits) falls in, and the rank it sets there. */
export function hllPoint(hash: string): { register: number; rank: number } {
  if (!/^[0-9a-f]{16}$/.test(hash)) throw new TypeError(`A reader hash is 16 hex digits, not "${hash}"`);
  const value = BigInt(`0x${hash}`);
  const register = Number(value >> BigInt(REST_BITS));
  const rest = value & ((1n << BigInt(REST_BITS)) - 1n);
  const rank = rest === 0n ? REST_BITS + 1 : REST_BITS - rest.toString(2).length + 1;
  return { register, rank };
}

/** The estimated number of distinct readers from a day's registers (the ones set; the rest are 0). */
export function estimate(ranks: Iterable<number>): number {
  let sum = 0;
  let set = 0;
  for (const rank of ranks) {
    sum += 2 ** -rank;
    set++;
  }
  const empty = REGISTERS - set;
  sum += empty;
  const alpha = 0.7213 / (1 + 1.079 / REGISTERS);
  const raw = (alpha * REGISTERS * REGISTERS) / sum;
  if (raw <= 2.5 * REGISTERS && empty > 0) return Math.round(REGISTERS * Math.log(REGISTERS / empty));
  return Math.round(raw);
}
