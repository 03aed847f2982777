import { Hono } from 'hono';
import { PAGES } from '../../src/paywall/contract.ts';
import type { AppEnv } from '../env.ts';
import { accountRoute, formLimit } from '../forms/index.ts';
import { sameOrigin } from '../security/index.ts';
import { makeGift, withdrawGift } from './make.ts';

/** Subscribers give single stories as links, and withdraw them. Mounted at the site's root. */
export const gifts = new Hono<AppEnv>();

for (const path of [PAGES.gifts, PAGES.revokeGift]) {
  gifts.use(path, accountRoute, formLimit);
}
// A gift link is shown once, in answer to the form; the account page lists them all.
gifts.get(PAGES.gifts, (c) => c.redirect(`${PAGES.account}#gifts`, 303));
gifts.post(PAGES.gifts, sameOrigin, makeGift);
gifts.post(PAGES.revokeGift, sameOrigin, withdrawGift);
