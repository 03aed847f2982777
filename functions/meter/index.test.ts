import { env } from 'cloudflare:workers';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { meterSecrets, monthOf, readMeter, secondsUntilNextMonth, signMeter } from './index.ts';

const secret = new TextEncoder().encode(env.METER_SECRET);
const otherSecret = new TextEncoder().encode('a-different-meter-secret-0123456789abcdefgh');

describe('monthOf', () => {
  it('uses the site time zone for the month boundary', () => {
    // 19:00 UTC on 30 November is already 1 December in India.
    expect(monthOf(new Date('2026-11-30T19:00:00Z'), 'Asia/Kolkata')).toBe('2026-12');
    expect(monthOf(new Date('2026-11-30T19:00:00Z'), 'UTC')).toBe('2026-11');
  });
});

describe('secondsUntilNextMonth', () => {
  it('ends the cookie in the next month, never before', () => {
    const now = new Date('2026-11-30T12:00:00Z');
    const seconds = secondsUntilNextMonth(now, 'Asia/Kolkata');
    expect(monthOf(new Date(now.getTime() + seconds * 1000), 'Asia/Kolkata')).toBe('2026-12');
    expect(seconds).toBeLessThanOrEqual(86_400);
  });
});

describe('readMeter', () => {
  it('starts an empty meter when there is no cookie', async () => {
    expect(await readMeter(undefined, [secret], '2026-11', 3)).toEqual({ kind: 'counted', read: [] });
  });

  it('reads back what it signed', async () => {
    const token = await signMeter(['a', 'b'], '2026-11', secret);
    expect(await readMeter(token, [secret], '2026-11', 3)).toEqual({ kind: 'counted', read: ['a', 'b'] });
  });

  it('starts again in a new month', async () => {
    const token = await signMeter(['a', 'b', 'c'], '2026-10', secret);
    expect(await readMeter(token, [secret], '2026-11', 3)).toEqual({ kind: 'counted', read: [] });
  });

  it.each([
    ['an edited payload', async () => {
      const [header, , signature] = (await signMeter(['a'], '2026-11', secret)).split('.');
      const payload = btoa(JSON.stringify({ m: '2026-11', r: [] })).replace(/=+$/, '');
      return `${header}.${payload}.${signature}`;
    }],
    ['another key', () => signMeter([], '2026-11', otherSecret)],
    ['more stories than the allowance', () => signMeter(['a', 'b', 'c', 'd'], '2026-11', secret)],
    ['a wrong shape', () => new SignJWT({ m: 11, r: 'a' }).setProtectedHeader({ alg: 'HS256' }).sign(secret)],
    ['garbage', () => 'garbage'],
    ['an empty value', () => ''],
    ['an oversized value', () => 'x'.repeat(2000)],
  ])('does not trust %s', async (_, make) => {
    expect(await readMeter(await make(), [secret], '2026-11', 3)).toEqual({ kind: 'untrusted' });
  });
});

describe('meterSecrets', () => {
  it('verifies with every key and signs with the first, so the key can change without a wall', async () => {
    const [newKey, oldKey] = meterSecrets(`${'n'.repeat(40)},${env.METER_SECRET}`);
    const signedWithOld = await signMeter(['a'], '2026-11', oldKey!);
    expect(await readMeter(signedWithOld, [newKey!, oldKey!], '2026-11', 3)).toEqual({ kind: 'counted', read: ['a'] });
    expect(await readMeter(signedWithOld, [newKey!], '2026-11', 3)).toEqual({ kind: 'untrusted' });
  });

  it.each(['', 'short', `${'x'.repeat(40)},short`])('refuses %j', (value) => {
    expect(() => meterSecrets(value)).toThrow('at least 32 bytes');
  });
});
