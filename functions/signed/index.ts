import { jwtVerify, SignJWT, type JWTPayload } from 'jose';

/**
 * Short-lived values the edge hands out and must get back unchanged: the cookie that binds a
 * checkout to the browser that started it (and, later, gift links). HS256 with the keys in
 * SIGNING_SECRET: one or more secrets of at least 32 bytes, comma-separated; the first signs and
 * every one verifies, so the secret can be rotated without breaking values already handed out.
 *
 * Each value names its purpose, so a value signed for one use is refused for another.
 */

export class SigningConfigError extends Error {
  override name = 'SigningConfigError';
}

const parsed = new Map<string, Uint8Array[]>();

function keysOf(secret: string | undefined): Uint8Array[] {
  const raw = secret ?? '';
  let keys = parsed.get(raw);
  if (!keys) {
    keys = raw
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean)
      .map((part) => new TextEncoder().encode(part));
    if (keys.length === 0 || keys.some((key) => key.length < 32)) {
      throw new SigningConfigError('SIGNING_SECRET must be one or more secrets of at least 32 bytes, separated by commas');
    }
    parsed.set(raw, keys);
  }
  return keys;
}

/** Signs `claims` for `purpose`, valid for `seconds`. */
export async function sign(secret: string | undefined, purpose: string, claims: Record<string, unknown>, seconds: number, now = new Date()): Promise<string> {
  const issuedAt = Math.floor(now.getTime() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setAudience(purpose)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + seconds)
    .sign(keysOf(secret)[0]!);
}

/** The claims of a value signed for `purpose`, or undefined if it is forged, edited, expired or for another use. */
export async function verify(secret: string | undefined, purpose: string, value: string | undefined, now = new Date()): Promise<JWTPayload | undefined> {
  if (!value || value.length > 4096) return undefined;
  for (const key of keysOf(secret)) {
    try {
      const { payload } = await jwtVerify(value, key, { algorithms: ['HS256'], audience: purpose, currentDate: now });
      return payload;
    } catch {
      // Not this key; try the next.
    }
  }
  return undefined;
}
