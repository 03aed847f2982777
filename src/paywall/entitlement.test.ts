import { describe, expect, it } from 'vitest';
import { entitlement } from './entitlement.ts';

const day = 86_400;
const t = 1_800_000_000;

describe('entitlement', () => {
  it('runs to the end of the paid period while active', () => {
    expect(entitlement({ status: 'active', current_period_end: t + 30 * day, past_due_since: null }, t, 3)).toEqual({ reads: true, until: t + 30 * day });
    expect(entitlement({ status: 'active', current_period_end: t, past_due_since: null }, t, 3).reads).toBe(false);
  });

  it('gives a past-due reader the grace period from when the renewal fell due, and no more', () => {
    // As Stripe does, the provider has already moved the period on by a year.
    expect(entitlement({ status: 'past_due', current_period_end: t + 365 * day, past_due_since: t }, t, 3)).toEqual({ reads: true, until: t + 3 * day });
    expect(entitlement({ status: 'past_due', current_period_end: t + 365 * day, past_due_since: t }, t + 3 * day, 3).reads).toBe(false);
    expect(entitlement({ status: 'past_due', current_period_end: t + 365 * day, past_due_since: t }, t, 0).reads).toBe(false);
  });

  it('keeps the period as it was when the provider left it where it was (Razorpay)', () => {
    expect(entitlement({ status: 'past_due', current_period_end: t, past_due_since: t }, t + day, 3)).toEqual({ reads: true, until: t + 3 * day });
  });

  it('entitles nothing once ended, even with a period end still to come', () => {
    expect(entitlement({ status: 'ended', current_period_end: t + 200 * day, past_due_since: null }, t, 3)).toEqual({ reads: false, until: t });
    expect(entitlement({ status: 'ended', current_period_end: t - day, past_due_since: t - 5 * day }, t, 3)).toEqual({ reads: false, until: t - day });
  });
});
