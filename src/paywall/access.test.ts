import { describe, expect, it } from 'vitest';
import { decide, type DecisionInput, type Reader } from './access.ts';

const anonymous: Reader = { kind: 'anonymous' };
const subscriber: Reader = { kind: 'subscriber', plan: 'essential', until: 2_000_000_000 };
const lapsed: Reader = { kind: 'lapsed', plan: 'essential', endedAt: 1_000_000_000 };
const input = (overrides: Partial<DecisionInput>): DecisionInput => ({
  access: 'metered',
  meterKey: 'story-a',
  reader: anonymous,
  meter: { kind: 'counted', read: [] },
  limit: 3,
  ...overrides,
});

describe('decide', () => {
  it('serves free stories to everyone without counting them', () => {
    expect(decide(input({ access: 'free' }))).toEqual({ serve: 'full' });
    expect(decide(input({ access: 'free', meter: { kind: 'untrusted' } }))).toEqual({ serve: 'full' });
  });

  it('counts a new metered story while the allowance lasts', () => {
    expect(decide(input({ meter: { kind: 'counted', read: ['x'] } }))).toEqual({
      serve: 'full',
      metered: { read: ['x', 'story-a'], remaining: 1, counted: true },
    });
  });

  it('lets the last free story through and walls the next one', () => {
    const last = decide(input({ meter: { kind: 'counted', read: ['x', 'y'] } }));
    expect(last).toMatchObject({ serve: 'full', metered: { remaining: 0, counted: true } });
    expect(decide(input({ meter: { kind: 'counted', read: ['x', 'y', 'z'] } }))).toEqual({
      serve: 'teaser',
      reason: 'limit',
    });
  });

  it('lets a reader reread a story already counted, even with the allowance used', () => {
    expect(decide(input({ meter: { kind: 'counted', read: ['x', 'story-a', 'z'] } }))).toEqual({
      serve: 'full',
      metered: { read: ['x', 'story-a', 'z'], remaining: 0, counted: false },
    });
  });

  it('treats an unverifiable meter as used up', () => {
    expect(decide(input({ meter: { kind: 'untrusted' } }))).toEqual({ serve: 'teaser', reason: 'limit' });
  });

  it('treats a meter holding more stories than the allowance as used up', () => {
    expect(decide(input({ meter: { kind: 'counted', read: ['story-a', 'b', 'c', 'd'] } }))).toEqual({
      serve: 'teaser',
      reason: 'limit',
    });
  });

  it('walls premium stories for everyone but subscribers', () => {
    expect(decide(input({ access: 'premium' }))).toEqual({ serve: 'teaser', reason: 'premium' });
    expect(decide(input({ access: 'premium', reader: lapsed }))).toEqual({ serve: 'teaser', reason: 'lapsed' });
    expect(decide(input({ access: 'premium', reader: subscriber }))).toEqual({ serve: 'full' });
  });

  it('serves subscribers everything without touching the meter', () => {
    expect(decide(input({ reader: subscriber, meter: { kind: 'untrusted' } }))).toEqual({ serve: 'full' });
  });

  it('meters a lapsed subscriber like anyone, and says why at the wall', () => {
    expect(decide(input({ reader: lapsed }))).toMatchObject({ serve: 'full', metered: { counted: true } });
    expect(decide(input({ reader: lapsed, meter: { kind: 'counted', read: ['a', 'b', 'c'] } }))).toEqual({
      serve: 'teaser',
      reason: 'lapsed',
    });
  });

  it('walls every metered story when the allowance is zero', () => {
    expect(decide(input({ limit: 0 }))).toEqual({ serve: 'teaser', reason: 'limit' });
  });
});
