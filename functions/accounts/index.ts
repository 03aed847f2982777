import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HOOKS, hook, PAGES } from '../../src/paywall/contract.ts';
import { findPlan } from '../../src/paywall/plans.ts';
import { formatDay } from '../../src/paywall/dates.ts';
import { settings } from '../../src/paywall/settings.ts';
import type { AppEnv } from '../env.ts';
import { safePage } from '../pages/index.ts';
import { cacheAs, endSession, personal, startSession } from '../response/index.ts';
import { sameOrigin } from '../security/index.ts';
import { signSession } from '../session/index.ts';
import { sessionKeys } from '../session/keys.ts';
import { sessionLifetime, tokenLifetime } from '../session/lifetime.ts';
import { MAX_EMAIL_LENGTH, normalEmail } from './email.ts';
import { DECOY_HASH, hashPassword, needsRehash, verifyPassword } from './password.ts';
import { safeReturnPath } from './return-path.ts';
import {
  createSession,
  deleteAccountSessions,
  deleteSession,
  findAccount,
  findSession,
  subscriptionOf,
  updatePasswordHash,
} from './store.ts';
import { countAttempt, forgiveAttempt, throttleKeys } from './throttle.ts';

export const MAX_PASSWORD_LENGTH = 1024;
const MAX_FORM_BYTES = 8 * 1024;

const MESSAGES = {
  empty: 'Enter your email address and your password.',
  tooLong: `That is longer than any email address (${MAX_EMAIL_LENGTH} characters) or password (${MAX_PASSWORD_LENGTH}) we accept.`,
  badEmail: 'That does not look like an email address. Check it and try again.',
  wrong: 'That email and password do not match an account. Check both and try again.',
  noSubscription: `This account has no subscription yet. Write to ${settings.subscriptionsEmail} and we will set one up.`,
};

interface LoginView {
  status: 200 | 400 | 401 | 403 | 429;
  returnTo: string;
  email?: string;
  error?: string;
}

/** The login page from the build, with the return path, the email and any error filled in. */
async function loginPage(c: Context<AppEnv>, view: LoginView): Promise<Response> {
  const asset = await c.env.ASSETS.fetch(new Request(new URL(PAGES.login, c.req.url)));
  if (asset.status !== 200) return safePage(503, 'Logging in is not available right now');
  const rewriter = new HTMLRewriter()
    .on('input[name="return"]', { element: (input) => void input.setAttribute('value', view.returnTo) })
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
  return rewriter.transform(
    new Response(asset.body, { status: view.status, headers: { 'Content-Type': 'text/html; charset=utf-8' } }),
  );
}

type LoginForm = { email: string; password: string; returnTo: string };

/** The posted form, or the response that explains why it cannot be used. */
async function readLoginForm(c: Context<AppEnv>): Promise<LoginForm | Response> {
  const type = c.req.header('Content-Type') ?? '';
  if (!/^(application\/x-www-form-urlencoded|multipart\/form-data)\b/i.test(type)) {
    return safePage(415, 'Send the login form from the login page.');
  }
  let body: Record<string, unknown>;
  try {
    body = await c.req.parseBody();
  } catch {
    return safePage(400, 'The login form arrived damaged. Go back and send it again.');
  }
  const field = (name: string) => (typeof body[name] === 'string' ? (body[name] as string) : '');
  return { email: field('email').trim(), password: field('password'), returnTo: safeReturnPath(body['return']) };
}

function problemWith({ email, password }: LoginForm): string | undefined {
  if (!email || !password) return MESSAGES.empty;
  if (email.length > MAX_EMAIL_LENGTH || password.length > MAX_PASSWORD_LENGTH) return MESSAGES.tooLong;
  if (!normalEmail(email)) return MESSAGES.badEmail;
  return undefined;
}

function minutes(seconds: number): string {
  const count = Math.max(1, Math.ceil(seconds / 60));
  return `${count} minute${count === 1 ? '' : 's'}`;
}

async function logIn(c: Context<AppEnv>): Promise<Response> {
  const form = await readLoginForm(c);
  if (form instanceof Response) return form;
  const problem = problemWith(form);
  const email = normalEmail(form.email);
  const view = { returnTo: form.returnTo, ...(email ? { email } : {}) };
  if (problem || !email) return loginPage(c, { ...view, status: 400, error: problem ?? MESSAGES.badEmail });

  const db = c.env.DB;
  const now = Math.floor(Date.now() / 1000);
  const keys = throttleKeys(email, c.req.header('CF-Connecting-IP'));
  const verdict = await countAttempt(db, keys, now);
  if (verdict.blocked) {
    const response = await loginPage(c, {
      ...view,
      status: 429,
      error: `Too many failed attempts. For your security, logging in is paused; try again in ${minutes(verdict.retryAfter)}.`,
    });
    response.headers.set('Retry-After', String(verdict.retryAfter));
    return response;
  }
  if (verdict.delayMs) await new Promise((resolve) => setTimeout(resolve, verdict.delayMs));

  const account = await findAccount(db, email);
  // Unknown emails are checked against a decoy so they take as long as a wrong password.
  const matches = await verifyPassword(form.password, account?.password_hash ?? DECOY_HASH);
  if (!account || !matches) return loginPage(c, { ...view, status: 401, error: MESSAGES.wrong });
  await forgiveAttempt(db, keys);
  if (needsRehash(account.password_hash)) await updatePasswordHash(db, account.id, await hashPassword(form.password));

  const subscription = await subscriptionOf(db, account.id);
  if (!subscription) return loginPage(c, { ...view, status: 403, error: MESSAGES.noSubscription });

  const lifetime = sessionLifetime(c.env);
  const sessionId = await createSession(db, account.id, now, lifetime);
  const token = await signSession(
    {
      subject: account.id,
      plan: subscription.plan,
      planEnds: new Date(subscription.current_period_end * 1000),
      lifetime: Math.min(tokenLifetime(c.env), lifetime),
      sessionId,
    },
    await sessionKeys(c.env),
    new Date(now * 1000),
  );
  startSession(c, token, lifetime);
  return c.redirect(form.returnTo, 303);
}

async function accountPage(c: Context<AppEnv>): Promise<Response> {
  const sessionId = c.get('session')?.id;
  const now = Math.floor(Date.now() / 1000);
  const record = sessionId ? await findSession(c.env.DB, sessionId, now) : null;
  if (!record) return c.redirect(`${PAGES.login}?return=${encodeURIComponent(PAGES.account)}`, 303);

  const asset = await c.env.ASSETS.fetch(new Request(new URL(PAGES.account, c.req.url)));
  if (asset.status !== 200) return safePage(503, 'Your account page is not available right now');
  const ends = formatDay(new Date(record.current_period_end * 1000));
  const active = record.status === 'active' && record.current_period_end > now;
  const status = active ? `Active. Renews on ${ends}.` : `Ended on ${ends}.`;
  const planName = findPlan(record.plan)?.name ?? record.plan;
  const rewriter = new HTMLRewriter()
    .on(hook(HOOKS.accountField, 'email'), { element: (element) => void element.setInnerContent(record.email) })
    .on(hook(HOOKS.accountField, 'plan'), { element: (element) => void element.setInnerContent(planName) })
    .on(hook(HOOKS.accountField, 'status'), { element: (element) => void element.setInnerContent(status) })
    .on(hook(HOOKS.accountField, 'renew'), {
      element: (element) => void (active ? element.remove() : element.removeAttribute('hidden')),
    });
  return rewriter.transform(new Response(asset.body, { headers: { 'Content-Type': 'text/html; charset=utf-8' } }));
}

async function logOut(c: Context<AppEnv>, everywhere: boolean): Promise<Response> {
  const sessionId = c.get('session')?.id;
  if (sessionId) await (everywhere ? deleteAccountSessions : deleteSession)(c.env.DB, sessionId);
  endSession(c);
  return c.redirect('/', 303);
}

/** Log in, the account page, log out. Mounted at the site's root. */
export const accounts = new Hono<AppEnv>();

const formLimit = bodyLimit({
  maxSize: MAX_FORM_BYTES,
  onError: () => safePage(413, 'That form is far larger than ours. Go back and try again.'),
});
/** Pages about a reader's account: never cached, and their failures mean the store is unavailable. */
const accountRoute: MiddlewareHandler<AppEnv> = async (c, next) => {
  c.set('failure', 'accounts');
  cacheAs(c, 'private');
  personal(c);
  await next();
};

for (const path of [PAGES.login, PAGES.account, '/logout/', '/logout/everywhere/']) {
  accounts.use(path, accountRoute, formLimit);
}
accounts.get(PAGES.login, (c) => loginPage(c, { status: 200, returnTo: safeReturnPath(c.req.query('return')) }));
accounts.post(PAGES.login, sameOrigin, logIn);
accounts.get(PAGES.account, accountPage);
accounts.post('/logout/', sameOrigin, (c) => logOut(c, false));
accounts.post('/logout/everywhere/', sameOrigin, (c) => logOut(c, true));
