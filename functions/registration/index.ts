import { Hono } from 'hono';
import { PAGES } from '../../src/paywall/contract.ts';
import type { AppEnv } from '../env.ts';
import { accountRoute, formLimit } from '../forms/index.ts';
import { sameOrigin } from '../security/index.ts';
import { askForLink } from './ask.ts';
import { openLink, useLoginLink } from './open.ts';

/** One-time log-in links by email, which also register new readers. Mounted at the site's root. */
export const registration = new Hono<AppEnv>();

for (const path of [PAGES.emailLink, PAGES.loginLink]) {
  registration.use(path, accountRoute, formLimit);
}
// The "check your email" page answers a POST only; on its own it would say nothing true.
registration.get(PAGES.emailLink, (c) => c.redirect(PAGES.login, 303));
registration.post(PAGES.emailLink, sameOrigin, askForLink);
registration.get(PAGES.loginLink, openLink);
registration.post(PAGES.loginLink, sameOrigin, useLoginLink);
