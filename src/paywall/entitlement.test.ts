import { describe, expect, it } from 'vitest';
import { accessEnds } from './entitlement.ts';

const day = 86_400;
const t = 1_800_000_000;

describe('accessEnds', () => {
  it('runs to the end of the paid period while active', () => {
    expect(accessEnds({ status: 'active', current_period_end: t + 30 * day, past_due_since: null }, 3)).toBe(t + 30 * day);
  });

  it('gives a past-due reader the grace period from when the renewal fell due', () => {
    // As Stripe does, the provider has already moved the period on by a year.
    expect(accessEnds({ status: 'past_due', current_period_end: t + 365 * day, past_due_since: t }, 3)).toBe(t + 3 * day);
    expect(accessEnds({ status: 'past_due', current_period_end: t + 365 * day, past_due_since: t }, 0)).toBe(t);
  });

  it('keeps the period as it was when the provider left it where it was (Razorpay)', () => {
    expect(accessEnds({ status: 'past_due', current_period_end: t, past_due_since: t }, 3)).toBe(t + 3 * day);
  });

  it('ends when an ended subscription ended', () => {
    expect(accessEnds({ status: 'ended', current_period_end: t - day, past_due_since: t - 5 * day }, 3)).toBe(t - day);
  });
});
