import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { countAttempt, countFailure, MAX_DELAY_MS, POLICIES, throttleKeys, type Verdict } from './throttle.ts';

const now = () => Math.floor(Date.now() / 1000);

describe('the account key', () => {
  it('slows each attempt longer as wrong passwords add up, within a few seconds, and never refuses', async () => {
    const keys = throttleKeys('throttled-account@example.com', undefined);
    const verdicts: Verdict[] = [];
    for (let failure = 0; failure < 4 * POLICIES.account.slowAfter; failure++) {
      verdicts.push(await countAttempt(env.DB, keys, now()));
      await countFailure(env.DB, keys, now());
    }
    expect(verdicts.every((verdict) => !verdict.blocked)).toBe(true);
    const delays = verdicts.map((verdict) => (verdict.blocked ? NaN : verdict.delayMs));
    expect(delays.slice(0, POLICIES.account.slowAfter)).toEqual(Array(POLICIES.account.slowAfter).fill(0));
    expect(delays.slice(POLICIES.account.slowAfter)).toEqual([...delays.slice(POLICIES.account.slowAfter)].sort((a, b) => a - b));
    expect(delays[POLICIES.account.slowAfter]).toBeGreaterThan(0);
    expect(delays.at(-1)).toBe(MAX_DELAY_MS);
    expect(MAX_DELAY_MS).toBeLessThanOrEqual(5000);
  });

  it('counts no attempt that has not failed', async () => {
    const keys = throttleKeys('many-attempts@example.com', undefined);
    for (let attempt = 0; attempt < 4 * POLICIES.account.slowAfter; attempt++) {
      expect(await countAttempt(env.DB, keys, now())).toEqual({ blocked: false, delayMs: 0 });
    }
  });
});
