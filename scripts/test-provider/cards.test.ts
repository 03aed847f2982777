import { describe, expect, it } from 'vitest';
import { checkCard, DECLINED_MESSAGE } from './cards.ts';

const NOW = new Date('2026-11-24T10:00:00Z');
const card = (overrides: Record<string, string>) => ({ name: 'Asha Rao', number: '4242 4242 4242 4242', expiry: '12 / 34', cvc: '123', ...overrides });

describe('test cards', () => {
  it('lets 4242 4242 4242 4242 pay, with spaces or without', () => {
    expect(checkCard(card({}), NOW)).toMatchObject({ ok: true, last4: '4242', expMonth: 12, expYear: 2034 });
    expect(checkCard(card({ number: '4242424242424242', expiry: '1134' }), NOW)).toMatchObject({ ok: true, expMonth: 11, expYear: 2034 });
  });

  it('declines 4000 0000 0000 0002 with the test-mode hint', () => {
    expect(checkCard(card({ number: '4000 0000 0000 0002' }), NOW)).toEqual({ ok: false, field: 'number', message: DECLINED_MESSAGE, declined: true });
  });

  it.each([
    [{ number: '4242 4242 4242 4241' }, 'number', /invalid/],
    [{ number: '1234' }, 'number', /invalid/],
    [{ number: '5555 5555 5555 4444' }, 'number', /not a test card/],
    [{ number: '' }, 'number', /Enter the card number/],
    [{ expiry: '10 / 26' }, 'expiry', /in the past/],
    [{ expiry: '13 / 30' }, 'expiry', /MM \/ YY/],
    [{ expiry: 'soon' }, 'expiry', /MM \/ YY/],
    [{ cvc: '12' }, 'cvc', /3 or 4 digits/],
    [{ name: ' ' }, 'name', /name on the card/],
  ])('refuses %j', (overrides, field, message) => {
    const result = checkCard(card(overrides), NOW);
    expect(result).toMatchObject({ ok: false, field, declined: false });
    expect(result.ok ? '' : result.message).toMatch(message);
  });

  it('takes this month as not yet expired', () => {
    expect(checkCard(card({ expiry: '11/26' }), NOW).ok).toBe(true);
    expect(checkCard(card({ expiry: '11/2026' }), NOW).ok).toBe(true);
  });
});
