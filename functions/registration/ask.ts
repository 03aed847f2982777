import type { Context } from 'hono';
import { HOOKS, hook, LOGIN_LINK_MINUTES, LOGIN_LINK_PARAM, PAGES } from '../../src/paywall/contract.ts';
import { settings } from '../../src/paywall/settings.ts';
import { MAX_EMAIL_LENGTH, normalEmail } from '../accounts/email.ts';
import { loginPage, minutes } from '../accounts/login.ts';
import { safeReturnPath } from '../accounts/return-path.ts';
import { findAccount } from '../accounts/store.ts';
import { attributionFor } from '../analytics/attribution.ts';
import { count } from '../analytics/index.ts';
import { countAttempt, linkThrottleKeys } from '../accounts/throttle.ts';
import { EmailUnavailableError, sendEmail } from '../email/index.ts';
import type { AppEnv } from '../env.ts';
import { readForm } from '../forms/index.ts';
import { builtPage, text } from '../pages/built.ts';
import { retryAfter } from '../response/index.ts';
import { safePage } from '../pages/index.ts';
import { createLink } from './links.ts';
import { exposedArms } from '../experiments/index.ts';
import { armsColumn } from '../experiments/outcomes.ts';

const MESSAGES = {
  empty: 'Enter your email address, and we will send you a link that logs you in.',
  tooLong: `That is longer than any email address we accept (${MAX_EMAIL_LENGTH} characters).`,
  badEmail: 'That does not look like an email address. Check it and try again.',
};

/**
 * Sends a one-time log-in link (POST from the log-in page or the registration offer). An address
 * with an account gets a link to log in; one without gets a welcome, and opening its link creates
 * the account. Either way the reader sees the same "check your email" page, so this form tells
 * nobody which addresses have accounts. Requests are counted per address and per client.
 */
export async function askForLink(c: Context<AppEnv>): Promise<Response> {
  const form = await readForm(c, 'email');
  if (form instanceof Response) return form;
  const returnTo = safeReturnPath(form['return']);
  const typed = (form['email'] ?? '').trim();
  const email = normalEmail(typed);
  if (!email) {
    const error = !typed ? MESSAGES.empty : typed.length > MAX_EMAIL_LENGTH ? MESSAGES.tooLong : MESSAGES.badEmail;
    return loginPage(c, { status: 400, returnTo, error, ...(typed && typed.length <= MAX_EMAIL_LENGTH ? { email: typed } : {}) });
  }

  const db = c.env.DB;
  const now = Math.floor(Date.now() / 1000);
  const verdict = await countAttempt(db, linkThrottleKeys(email, c.req.header('CF-Connecting-IP')), now);
  if (verdict.blocked) {
    retryAfter(c, verdict.retryAfter);
    return loginPage(c, {
      status: 429,
      returnTo,
      email,
      error: `We have sent several links lately. Use the newest one in your inbox, or ask again in ${minutes(verdict.retryAfter)}.`,
    });
  }

  const account = await findAccount(db, email);
  const token = await createLink(db, email, returnTo, await attributionFor(c, returnTo, 'offer'), now, armsColumn(await exposedArms(c)));
  const origin = new URL(c.req.url).origin;
  const link = `${origin}${PAGES.loginLink}?${LOGIN_LINK_PARAM}=${token}`;
  try {
    await sendEmail(c.env, account ? 'log-in' : 'welcome', { to: email, origin }, { link, minutes: String(LOGIN_LINK_MINUTES), site: settings.name, email });
  } catch (error) {
    if (!(error instanceof EmailUnavailableError)) throw error;
    return safePage(503, 'We could not send your email just now', {
      retryAfter: 60,
      detail: `Nothing is wrong with your address: our email service did not answer. Please <a href="${PAGES.login}">try again</a> in a minute.`,
    });
  }
  count(c, { event: 'link_sent' });
  return builtPage(c, PAGES.emailLink, 200, new HTMLRewriter().on(hook(HOOKS.loginLinkField, 'email'), text(email)));
}
