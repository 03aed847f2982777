import { z } from 'zod';
import raw from '../../content/site.json' with { type: 'json' };
import { parseDataFile } from './config-error.ts';

export const PAYMENT_PROVIDERS = ['stripe', 'razorpay'] as const;
export type PaymentProviderName = (typeof PAYMENT_PROVIDERS)[number];

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function isLocale(locale: string): boolean {
  try {
    return Intl.NumberFormat.supportedLocalesOf([locale]).length === 1;
  } catch {
    return false;
  }
}

function isCurrency(code: string): boolean {
  try {
    new Intl.NumberFormat('en', { style: 'currency', currency: code });
    return /^[A-Z]{3}$/.test(code);
  } catch {
    return false;
  }
}

export const settingsSchema = z.strictObject({
  name: z.string().trim().min(1, 'give the publication a name'),
  tagline: z.string().trim().min(1),
  url: z.url({ message: 'use the public address of the site, e.g. https://news.example' }),
  locale: z.string().refine(isLocale, 'use a locale tag this runtime knows, e.g. en-IN'),
  currency: z.string().refine(isCurrency, 'use a three-letter ISO 4217 code, e.g. INR'),
  timeZone: z.string().refine(isTimeZone, 'use an IANA time zone, e.g. Asia/Kolkata'),
  freeStoriesPerMonth: z.int().min(0).max(50),
  teaserParagraphs: z.int().min(1).max(10),
  listingPageSize: z.int().min(1).max(100),
  /** Stories in the RSS feed, newest first: readers and aggregators poll it, so it stays small whatever the archive's size. */
  feedItems: z.int().min(1).max(500).default(50),
  subscriptionsEmail: z.email(),
  session: z.strictObject({
    issuer: z.string().min(1),
    audience: z.string().min(1),
  }),
  payments: z.strictObject({
    /** Who sells the subscriptions. Secrets and API addresses are configured in the Worker's environment. */
    provider: z.enum(PAYMENT_PROVIDERS, `payments.provider must be one of: ${PAYMENT_PROVIDERS.join(', ')}`),
    /** Days a reader keeps reading after a renewal fails, while the provider retries the card. */
    graceDays: z.int().min(0).max(30).default(3),
  }),
});

export type Settings = z.infer<typeof settingsSchema>;

/** Site settings from `content/site.json`: the build and the edge both read this one copy. */
export const settings: Settings = parseDataFile(settingsSchema, raw, 'content/site.json');
