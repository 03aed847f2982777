import type { Context } from 'hono';
import { HOOKS, hook, PAGES } from '../../src/paywall/contract.ts';
import type { AppEnv } from '../env.ts';
import { readForm } from '../forms/index.ts';
import { attribute, builtPage } from '../pages/built.ts';
import { retryAfter } from '../response/index.ts';
import { logInAs } from '../session/issue.ts';
import { MAX_EMAIL_LENGTH, normalEmail } from './email.ts';
import { hashPassword, MAX_PASSWORD_LENGTH, needsRehash, verifyPassword } from './password.ts';
import { safeReturnPath } from './return-path.ts';
import { findAccount, subscriptionOf, updatePasswordHash } from './store.ts';
import { countAttempt, countFailure, forgiveAttempt, throttleKeys } from './throttle.ts';

const MESSAGES = {
  empty: 'Enter your email address and your password.',
  tooLong: `That is longer than any email address (${MAX_EMAIL_LENGTH} characters) or password (${MAX_PASSWORD_LENGTH}) we accept.`,
  badEmail: 'That does not look like an email address. Check it and try again.',
  wrong: 'That email and password do not match an account. Check both and try again.',
};

interface LoginView {
  status: 200 | 400 | 401 | 429;
  returnTo: string;
  email?: string;
  error?: string;
}

/** The login page from the build, with the return path, the email and any error filled in. */
export function loginPage(c: Context<AppEnv>, view: LoginView): Promise<Response> {
  const rewriter = new HTMLRewriter()
    .on('input[name="return"]', attribute('value', view.returnTo))
    .on('input[name="email"]', {
      element: (input) => {
        if (view.email) input.setAttribute('value', view.email);
      },
    })
    .on(hook(HOOKS.loginError), {
      element: (message) => {
        if (!view.error) return void message.remove();
        message.removeAttribute('hidden');
        message.setInnerContent(view.error);
      },
    });
  return builtPage(c, PAGES.login, view.status, rewriter);
}

function problemWith(email: string, password: string): string | undefined {
  if (!email || !password) return MESSAGES.empty;
  if (email.length > MAX_EMAIL_LENGTH || password.length > MAX_PASSWORD_LENGTH) return MESSAGES.tooLong;
  if (!normalEmail(email)) return MESSAGES.badEmail;
  return undefined;
}

/** "1 minute", "12 minutes": a wait, rounded up. */
export function minutes(seconds: number): string {
  const count = Math.max(1, Math.ceil(seconds / 60));
  return `${count} minute${count === 1 ? '' : 's'}`;
}

export async function logIn(c: Context<AppEnv>): Promise<Response> {
  const form = await readForm(c, 'login');
  if (form instanceof Response) return form;
  const password = form['password'] ?? '';
  const returnTo = safeReturnPath(form['return']);
  const email = normalEmail(form['email'] ?? '');
  const problem = problemWith((form['email'] ?? '').trim(), password);
  const view = { returnTo, ...(email ? { email } : {}) };
  if (problem || !email) return loginPage(c, { ...view, status: 400, error: problem ?? MESSAGES.badEmail });

  const db = c.env.DB;
  const now = Math.floor(Date.now() / 1000);
  const keys = throttleKeys(email, c.req.header('CF-Connecting-IP'));
  const verdict = await countAttempt(db, keys, now);
  if (verdict.blocked) {
    retryAfter(c, verdict.retryAfter);
    return loginPage(c, {
      ...view,
      status: 429,
      error: `Too many failed attempts from here. For your security, logging in with a password is paused; try again in ${minutes(verdict.retryAfter)}, or ask for a link by email.`,
    });
  }
  if (verdict.delayMs) await new Promise((resolve) => setTimeout(resolve, verdict.delayMs));

  const account = await findAccount(db, email);
  // Verified even with no account or no password to verify against, so that an unknown email, or
  // an account without a password yet, costs the same work as a wrong password; same answer too.
  const stored = account?.password_hash ?? null;
  const matches = await verifyPassword(password, stored);
  if (!account || !stored || !matches) {
    await countFailure(db, keys, now);
    return loginPage(c, { ...view, status: 401, error: MESSAGES.wrong });
  }
  await forgiveAttempt(db, keys);
  if (needsRehash(stored)) await updatePasswordHash(db, account.id, await hashPassword(password));

  // An account without a subscription is a registered reader's, and logs in all the same.
  const subscription = await subscriptionOf(db, account.id);
  await logInAs(c, { account_id: account.id, ...(subscription ?? { plan: null }) }, new Date(now * 1000));
  return c.redirect(returnTo, 303);
}
