/**
 * Password hashing: PBKDF2-HMAC-SHA256 with a random 16-byte salt, 600,000 iterations in all
 * (OWASP's figure for PBKDF2-HMAC-SHA256), using the runtime's WebCrypto so it runs in Workers
 * and in Node alike.
 *
 * Cloudflare's production runtime refuses a single PBKDF2 call above 100,000 iterations (local
 * workerd does not enforce this, so it would only fail once deployed). The work is therefore
 * done as a chain of rounds of at most 100,000 iterations, each round's output keying the next:
 * an attacker still pays 600,000 HMAC computations per guess, in sequence.
 *
 * The stored form records the scheme and its cost, so the cost can be raised later: hashes made
 * with a lower cost keep verifying (at today's cost, see verifyPassword), and `needsRehash` says
 * when to store a new one.
 *   pbkdf2-sha256$<rounds>x<iterations>$<salt, base64url>$<digest, base64url>
 */

const SCHEME = 'pbkdf2-sha256';

/** Longer than any passphrase; refused before any hashing work. */
export const MAX_PASSWORD_LENGTH = 1024;
/** NIST SP 800-63B asks for at least 8; 10 keeps guessable ones out without a composition rule. */
export const MIN_PASSWORD_LENGTH = 10;
export const ROUNDS = 6;
export const ITERATIONS_PER_ROUND = 100_000;
/** The most a single WebCrypto PBKDF2 call may do on Cloudflare. */
const RUNTIME_ITERATION_CAP = 100_000;
/** A stored hash asking for more work than this is refused rather than computed. */
const MAX_ROUNDS = 20;
const SALT_BYTES = 16;
const DIGEST_BITS = 256;

const encoder = new TextEncoder();

function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replaceAll('-', '+').replaceAll('_', '/'));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

async function derive(password: string, salt: Uint8Array<ArrayBuffer>, rounds: number, iterations: number): Promise<Uint8Array> {
  let material: Uint8Array<ArrayBuffer> = encoder.encode(password);
  for (let round = 0; round < rounds; round++) {
    const key = await crypto.subtle.importKey('raw', material, 'PBKDF2', false, ['deriveBits']);
    const bits = await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, key, DIGEST_BITS);
    material = new Uint8Array(bits);
  }
  return material;
}

/** Compares in time that depends only on the length, not on where the bytes differ. */
function equalInConstantTime(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let index = 0; index < a.length; index++) difference |= a[index]! ^ b[index]!;
  return difference === 0;
}

export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const digest = await derive(password, salt, ROUNDS, ITERATIONS_PER_ROUND);
  return `${SCHEME}$${ROUNDS}x${ITERATIONS_PER_ROUND}$${toBase64Url(salt)}$${toBase64Url(digest)}`;
}

interface StoredHash {
  rounds: number;
  iterations: number;
  salt: Uint8Array<ArrayBuffer>;
  digest: Uint8Array;
}

function parse(stored: string): StoredHash | undefined {
  const match = /^pbkdf2-sha256\$(\d{1,2})x(\d{1,7})\$([\w-]{16,})\$([\w-]{43})$/.exec(stored);
  if (!match) return undefined;
  const rounds = Number(match[1]);
  const iterations = Number(match[2]);
  if (rounds < 1 || rounds > MAX_ROUNDS || iterations < 1 || iterations > RUNTIME_ITERATION_CAP) return undefined;
  return { rounds, iterations, salt: fromBase64Url(match[3]!), digest: fromBase64Url(match[4]!) };
}

/**
 * A hash of no password, verified against when there is no usable hash (an unknown email, an
 * account without a password), so that refusing those takes the same work as a wrong password.
 */
const DECOY: StoredHash = {
  rounds: ROUNDS,
  iterations: ITERATIONS_PER_ROUND,
  salt: new Uint8Array(SALT_BYTES),
  digest: new Uint8Array(DIGEST_BITS / 8),
};

/**
 * Whether the password matches the stored hash; false for no hash (null) or one that cannot be
 * read. Every call does at least today's work (ROUNDS x ITERATIONS_PER_ROUND), whatever it
 * verifies against, so the time a refusal takes does not tell which emails have accounts.
 */
export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  const hash = stored === null ? undefined : parse(stored);
  const against = hash ?? DECOY;
  const derived = await derive(password, against.salt, against.rounds, against.iterations);
  // An older hash made with less work is topped up to today's, in rounds like today's.
  for (let left = ROUNDS * ITERATIONS_PER_ROUND - against.rounds * against.iterations; left > 0; left -= ITERATIONS_PER_ROUND) {
    await derive(password, against.salt, 1, Math.min(left, ITERATIONS_PER_ROUND));
  }
  return hash !== undefined && equalInConstantTime(derived, hash.digest);
}

/** True when a stored hash was made with less work than hashPassword does today. */
export function needsRehash(stored: string): boolean {
  const hash = parse(stored);
  return !hash || hash.rounds * hash.iterations < ROUNDS * ITERATIONS_PER_ROUND;
}
