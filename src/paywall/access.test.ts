import { describe, expect, it } from 'vitest';
import { allowanceOf, decide, largestAllowance, type DecisionInput, type Reader } from './access.ts';

const anonymous: Reader = { kind: 'anonymous' };
const subscriber: Reader = { kind: 'subscriber', plan: 'essential', until: 2_000_000_000 };
const lapsed: Reader = { kind: 'lapsed', plan: 'essential', endedAt: 1_000_000_000 };
const input = (overrides: Partial<DecisionInput>): DecisionInput => ({
  access: 'metered',
  meterKey: 'story-a',
  reader: anonymous,
  meter: { kind: 'counted', read: [] },
  allowances: { anonymous: 3, registered: 0 },
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
    expect(decide(input({ allowances: { anonymous: 0, registered: 0 } }))).toEqual({ serve: 'teaser', reason: 'limit' });
  });
});

describe('decide, with a registration step', () => {
  const registered: Reader = { kind: 'registered' };
  const allowances = { anonymous: 3, registered: 10 };
  const counted = (count: number) => ({ kind: 'counted' as const, read: Array.from({ length: count }, (_, index) => `read-${index}`) });

  it('gives each kind of reader its own allowance', () => {
    expect(allowanceOf({ kind: 'anonymous' }, allowances)).toBe(3);
    expect(allowanceOf(registered, allowances)).toBe(10);
    expect(allowanceOf(lapsed, allowances)).toBe(10);
    expect(allowanceOf(registered, { anonymous: 3, registered: 0 })).toBe(3);
    expect(largestAllowance(allowances)).toBe(10);
  });

  it('offers an anonymous reader at the limit a free account rather than only the plans', () => {
    expect(decide(input({ allowances, meter: counted(3) }))).toEqual({ serve: 'teaser', reason: 'register' });
    expect(decide(input({ allowances, meter: { kind: 'untrusted' } }))).toEqual({ serve: 'teaser', reason: 'register' });
    expect(decide(input({ allowances, meter: counted(2) }))).toMatchObject({ serve: 'full', metered: { remaining: 0, counted: true } });
  });

  it('shows the plain limit when registration is off', () => {
    expect(decide(input({ allowances: { anonymous: 3, registered: 0 }, meter: counted(3) }))).toEqual({ serve: 'teaser', reason: 'limit' });
  });

  it('lets a registered reader read up to the registered allowance, then walls with the limit', () => {
    expect(decide(input({ allowances, reader: registered, meter: counted(3) }))).toEqual({
      serve: 'full',
      metered: { read: [...counted(3).read, 'story-a'], remaining: 6, counted: true },
    });
    expect(decide(input({ allowances, reader: registered, meter: counted(9) }))).toMatchObject({ serve: 'full', metered: { remaining: 0 } });
    expect(decide(input({ allowances, reader: registered, meter: counted(10) }))).toEqual({ serve: 'teaser', reason: 'limit' });
    expect(decide(input({ allowances, reader: registered, meter: { kind: 'untrusted' } }))).toEqual({ serve: 'teaser', reason: 'limit' });
  });

  it('keeps rereads free for a registered reader at the limit', () => {
    const read = [...counted(9).read, 'story-a'];
    expect(decide(input({ allowances, reader: registered, meter: { kind: 'counted', read } }))).toEqual({
      serve: 'full',
      metered: { read, remaining: 0, counted: false },
    });
  });

  it('gives a lapsed subscriber the registered allowance, and the renewal message at the wall', () => {
    expect(decide(input({ allowances, reader: lapsed, meter: counted(5) }))).toMatchObject({ serve: 'full', metered: { remaining: 4 } });
    expect(decide(input({ allowances, reader: lapsed, meter: counted(10) }))).toEqual({ serve: 'teaser', reason: 'lapsed' });
  });

  it('still walls premium stories for registered readers', () => {
    expect(decide(input({ allowances, access: 'premium', reader: registered }))).toEqual({ serve: 'teaser', reason: 'premium' });
    expect(decide(input({ allowances, access: 'premium' }))).toEqual({ serve: 'teaser', reason: 'premium' });
  });
});

describe('decide, with a gift', () => {
  it('serves the gifted story in full to anyone, without counting it', () => {
    for (const reader of [anonymous, { kind: 'registered' } as Reader, lapsed]) {
      expect(decide(input({ reader, gift: true, meter: { kind: 'counted', read: ['x', 'y', 'z'] } }))).toEqual({ serve: 'full', gift: true });
      expect(decide(input({ reader, gift: true, access: 'premium' }))).toEqual({ serve: 'full', gift: true });
      expect(decide(input({ reader, gift: true, meter: { kind: 'untrusted' } }))).toEqual({ serve: 'full', gift: true });
    }
  });

  it('changes nothing for a subscriber or a free story', () => {
    expect(decide(input({ reader: subscriber, gift: true }))).toEqual({ serve: 'full' });
    expect(decide(input({ access: 'free', gift: true }))).toEqual({ serve: 'full' });
  });
});
