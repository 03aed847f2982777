/**
 * One-time and private tokens that travel in URLs (log-in links, private feeds): 32 random bytes,
 * base64url. Only their SHA-256 is stored, so a copy of the database opens nothing; a token is
 * looked up by its hash. A value that does not have a token's exact shape (truncated, padded,
 * edited into other characters) is refused before anything is looked up.
 */

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

export function isTokenShaped(value: unknown): value is string {
  return typeof value === 'string' && TOKEN.test(value);
}

/** The stored form of a token. */
export async function hashToken(token: string): Promise<string> {
  return base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token))));
}

/** A fresh token, and the hash to store for it. */
export async function newToken(): Promise<{ token: string; hash: string }> {
  const token = base64url(crypto.getRandomValues(new Uint8Array(32)));
  return { token, hash: await hashToken(token) };
}
