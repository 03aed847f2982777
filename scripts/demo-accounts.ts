// The local demo accounts that `npm start` creates (also listed in the README), staff included. Never seeded
// remotely. Their addresses and plans come from content/, so they exist for any publication: the
// subscriber holds the highlighted plan (or the first), the lapsed reader the first.
import { plansFile } from '../src/paywall/plans.ts';
import { settings } from '../src/paywall/settings.ts';

const domain = new URL(settings.url).hostname;
const first = plansFile.plans[0]!;
const chosen = plansFile.plans.find((plan) => plan.id === plansFile.highlighted) ?? first;

export const DEMO_ACCOUNTS = [
  { email: `reader@${domain}`, password: 'tide-tables-2026', plan: chosen.id, days: 365 },
  { email: `lapsed@${domain}`, password: 'old-monsoon-2026', plan: first.id, days: -30 },
] as const;

/** A member of staff, who sees the newsroom at /newsroom/ and has no subscription. */
export const DEMO_STAFF = { email: `newsroom@${domain}`, password: 'harbour-desk-2026' } as const;
