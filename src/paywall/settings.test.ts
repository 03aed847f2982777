import { describe, expect, it } from 'vitest';
import { parseDataFile } from './config-error.ts';
import { settings, settingsSchema } from './settings.ts';

describe('site settings', () => {
  it('gives a publication that leaves out the grace period the default one', () => {
    const parsed = parseDataFile(settingsSchema, { ...settings, payments: { provider: 'razorpay' } }, 'content/site.json');
    expect(parsed.payments).toEqual({ provider: 'razorpay', graceDays: 3 });
  });

  it.each([
    ['timeZone', 'Mars/Olympus', 'IANA time zone'],
    ['currency', 'rupees', 'ISO 4217'],
    ['freeStoriesPerMonth', 2.5, 'freeStoriesPerMonth'],
    ['freeStoriesPerMonth', '3', 'freeStoriesPerMonth'],
    ['url', 'not a url', 'public address'],
  ])('refuses %s = %j with a message saying what to write', (field, value, expected) => {
    expect(() => parseDataFile(settingsSchema, { ...settings, [field]: value }, 'content/site.json')).toThrow(expected);
  });
});
