import { z } from 'zod';
import raw from '../../content/site.json' with { type: 'json' };
import type { Allowances } from './access.ts';
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

export const settingsSchema = z
  .strictObject({
    name: z.string().trim().min(1, 'give the publication a name'),
    tagline: z.string().trim().min(1),
    url: z.url({ message: 'use the public address of the site, e.g. https://news.example' }),
    locale: z.string().refine(isLocale, 'use a locale tag this runtime knows, e.g. en-IN'),
    currency: z.string().refine(isCurrency, 'use a three-letter ISO 4217 code, e.g. INR'),
    timeZone: z.string().refine(isTimeZone, 'use an IANA time zone, e.g. Asia/Kolkata'),
    freeStoriesPerMonth: z.int().min(0).max(50),
    /** The monthly allowance with a free account (email only); 0 turns the registration step off. */
    registeredStoriesPerMonth: z.int().min(0).max(50).default(10),
    teaserParagraphs: z.int().min(1).max(10),
    listingPageSize: z.int().min(1).max(100),
    subscriptionsEmail: z.email(),
    /** Stories in each feed, newest first (the public RSS feed and subscribers' private ones): feeds are polled, so they stay small whatever the archive's size. */
    feedItems: z.int().min(1).max(500).default(50),
    /**
     * Days after publication when a story's public page and search fragment leave the static
     * assets for the R2 archive (full-text pages always live there), so the assets stay within
     * their file limit whatever the archive's size. Decided when the site is built; 0 puts every
     * published story in the archive.
     */
    archiveAfterDays: z.int().min(0, 'use a number of days, 0 or more').max(36500).default(365),
    /** Subscribers can give single stories as links. */
    gifts: z
      .strictObject({
        /** Gift links one subscriber can make in a calendar month; 0 turns gifts off. */
        perMonth: z.int().min(0).max(100).default(10),
        /** How many times one link opens its story. */
        opensPerLink: z.int().min(1).max(1000).default(25),
        /** Days a link works. */
        days: z.int().min(1).max(365).default(30),
      })
      .default({ perMonth: 10, opensPerLink: 25, days: 30 }),
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
  })
  .superRefine((file, ctx) => {
    const { freeStoriesPerMonth: anonymous, registeredStoriesPerMonth: registered } = file;
    if (registered !== 0 && registered <= anonymous) {
      ctx.addIssue({
        code: 'custom',
        path: ['registeredStoriesPerMonth'],
        message: `a free account must give more than the ${anonymous} stories readers get without one: use a number above ${anonymous}, or 0 to turn registration off`,
      });
    }
  });

export type Settings = z.infer<typeof settingsSchema>;

/** Site settings from `content/site.json`: the build and the edge both read this one copy. */
export const settings: Settings = parseDataFile(settingsSchema, raw, 'content/site.json');

/** The monthly allowances of metered stories, as the access rule takes them. */
export function allowancesOf(site: Pick<Settings, 'freeStoriesPerMonth' | 'registeredStoriesPerMonth'> = settings): Allowances {
  return { anonymous: site.freeStoriesPerMonth, registered: site.registeredStoriesPerMonth };
}
