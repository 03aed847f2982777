import { jwtVerify, SignJWT } from 'jose';
import type { Meter } from '../../src/paywall/access.ts';
import { COOKIES } from '../../src/paywall/contract.ts';
import { dateTimeFormat } from '../../src/paywall/intl.ts';

/**
 * The meter: which metered stories this browser has read this calendar month, in a cookie signed
 * with METER_SECRET. It holds at most the monthly allowance of short story keys, so it stays small.
 *
 * A meter cookie that does not verify (edited, truncated, signed with another key) counts as a
 * used-up allowance: a forged meter never buys a story. Deleting the cookie does reset the count;
 * that is the accepted limit of any cookie meter.
 */

/** Larger than any meter we write for an allowance of up to 50 stories. */
const MAX_METER_LENGTH = 1024;

/** "2026-11": the calendar month of `date` in the site's time zone. */
export function monthOf(date: Date, timeZone: string): string {
  const parts = dateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit' }).formatToParts(date);
  const year = parts.find((part) => part.type === 'year')?.value;
  const month = parts.find((part) => part.type === 'month')?.value;
  return `${year}-${month}`;
}

/** Seconds from `date` until the next month begins in `timeZone` (an upper bound, always positive). */
export function secondsUntilNextMonth(date: Date, timeZone: string): number {
  const current = monthOf(date, timeZone);
  // Step forward a day at a time from a point safely inside the month; at most 32 steps.
  let probe = new Date(date.getTime());
  while (monthOf(probe, timeZone) === current) probe = new Date(probe.getTime() + 86_400_000);
  return Math.max(60, Math.ceil((probe.getTime() - date.getTime()) / 1000));
}

interface MeterClaims {
  m: string;
  r: string[];
}

function isMeterClaims(value: unknown, limit: number): value is MeterClaims {
  const claims = value as Partial<MeterClaims>;
  return (
    typeof claims.m === 'string' &&
    Array.isArray(claims.r) &&
    claims.r.length <= limit &&
    claims.r.every((key) => typeof key === 'string' && key.length <= 32)
  );
}

/** A secret's bytes, as WebCrypto takes them. */
type Secret = Uint8Array<ArrayBuffer>;

const parsedSecrets = new Map<string, Secret[]>();

/**
 * The keys in METER_SECRET: one or more secrets of at least 32 bytes, separated by commas. The
 * first signs; every one verifies, so the key can be changed without walling readers whose meter
 * the old key signed (put the new one first, drop the old one after the month ends). Parsed once
 * per isolate.
 */
export function meterSecrets(value: string | undefined): Secret[] {
  const raw = value ?? '';
  let secrets = parsedSecrets.get(raw);
  if (!secrets) {
    secrets = raw.split(',').map((secret) => new TextEncoder().encode(secret.trim()));
    if (secrets.some((secret) => secret.length < 32)) {
      throw new Error('METER_SECRET must be one or more secrets of at least 32 bytes, separated by commas');
    }
    parsedSecrets.set(raw, secrets);
  }
  return secrets;
}

/**
 * The meter cookie's value from a Cookie header. A meter cookie whose value a cookie parser
 * would drop (odd characters) still counts as a meter that does not verify, not as no meter.
 */
export function meterCookieIn(cookieHeader: string | undefined): string | undefined {
  const prefix = `${COOKIES.meter}=`;
  const pair = (cookieHeader ?? '')
    .split(';')
    .map((part) => part.trim())
    .find((part) => part.startsWith(prefix));
  if (pair === undefined) return undefined;
  const value = pair.slice(prefix.length);
  return /^[\w.-]*$/.test(value) ? value : '';
}

const hmacKeys = new WeakMap<Secret, Promise<CryptoKey>>();

/** The WebCrypto key of a secret, imported once per isolate: every metered request checks or signs a meter. */
function hmacKey(secret: Secret): Promise<CryptoKey> {
  let key = hmacKeys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    hmacKeys.set(secret, key);
  }
  return key;
}

export async function readMeter(
  token: string | undefined,
  secrets: readonly Secret[],
  month: string,
  limit: number,
): Promise<Meter> {
  if (token === undefined) return { kind: 'counted', read: [] };
  if (token.length > MAX_METER_LENGTH) return { kind: 'untrusted' };
  for (const secret of secrets) {
    try {
      const { payload } = await jwtVerify(token, await hmacKey(secret), { algorithms: ['HS256'] });
      if (!isMeterClaims(payload, limit)) return { kind: 'untrusted' };
      return { kind: 'counted', read: payload.m === month ? payload.r : [] };
    } catch {
      // Not this key; try the next.
    }
  }
  return { kind: 'untrusted' };
}

export async function signMeter(read: readonly string[], month: string, secret: Secret): Promise<string> {
  const claims: MeterClaims = { m: month, r: [...read] };
  return new SignJWT({ ...claims }).setProtectedHeader({ alg: 'HS256' }).sign(await hmacKey(secret));
}
