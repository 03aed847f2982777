import { env } from 'cloudflare:workers';
import { COOKIES, LOCKED_PART_CLASS, PAGES } from '../../src/paywall/contract.ts';
import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { settings } from '../../src/paywall/settings.ts';
import { app } from '../index.ts';
import { signSession } from '../session/index.ts';
import { sessionKeys } from '../session/keys.ts';
import { hashPassword, ITERATIONS_PER_ROUND, ROUNDS } from './password.ts';
import { storyWith } from '../../test/edge/publication.ts';
import { plansFile } from '../../src/paywall/plans.ts';
import { POLICIES, WINDOW_SECONDS } from './throttle.ts';

const origin = new URL(settings.url).origin;
const plan = plansFile.plans[0]!;
const premium = (await storyWith('premium')).path;
const email = 'subscriber@example.com';
const password = 'a long and correct password';
const day = 86_400;
const now = () => Math.floor(Date.now() / 1000);

async function addAccount(address: string, periodEnd: number) {
  const id = crypto.randomUUID();
  await env.DB.batch([
    env.DB.prepare('INSERT INTO accounts (id, email, password_hash, created_at, email_confirmed_at) VALUES (?1, ?2, ?3, ?4, ?4)').bind(id, address, await hashPassword(password), now()),
    env.DB.prepare("INSERT INTO subscriptions (account_id, plan, status, current_period_end) VALUES (?, ?, 'active', ?)").bind(id, plan.id, periodEnd),
  ]);
  return id;
}

function post(path: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
  return app.request(
    `${origin}${path}`,
    {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: origin, 'CF-Connecting-IP': '203.0.113.9', ...headers },
      body: new URLSearchParams(fields).toString(),
    },
    env,
  );
}

function get(path: string, cookie?: string) {
  return app.request(`${origin}${path}`, { headers: cookie ? { Cookie: cookie } : {} }, env);
}

const logIn = (fields: Partial<Record<'email' | 'password' | 'return', string>> = {}, headers?: Record<string, string>) =>
  post('/login/', { email, password, return: premium, ...fields }, headers);

const cookieFrom = (response: Response) => response.headers.get('Set-Cookie')?.split(';')[0] ?? '';
const count = async (table: string) =>
  (await env.DB.prepare(`SELECT COUNT(*) AS n FROM ${table}`).first<{ n: number }>())!.n;

let accountId: string;
beforeAll(async () => {
  accountId = await addAccount(email, now() + 30 * day);
});
beforeEach(async () => {
  await env.DB.batch([env.DB.prepare('DELETE FROM sessions'), env.DB.prepare('DELETE FROM login_failures')]);
});

describe('logging in', () => {
  it('shows the form with the return path filled in', async () => {
    const response = await get('/login/?return=%2Fstories%2Fa%2F');
    const html = await response.text();
    expect(response.status).toBe(200);
    expect(html).toContain('<input type="hidden" name="return" value="/stories/a/">');
    expect(html).not.toContain('data-login-error');
    expect(response.headers.get('Cache-Control')).toBe('private, no-store');
    expect(response.headers.get('X-Frame-Options')).toBe('DENY');
    expect(response.headers.get('Content-Security-Policy')).toContain("frame-ancestors 'none'");
  });

  it('sets the session cookie and returns the reader to the story, which is then shown in full', async () => {
    const response = await logIn();
    expect(response.status).toBe(303);
    expect(response.headers.get('Location')).toBe(premium);
    const setCookie = response.headers.get('Set-Cookie')!;
    expect(setCookie).toMatch(new RegExp(`^${COOKIES.session}=[\\w-]+\\.[\\w-]+\\.[\\w-]+; Max-Age=\\d+; Path=/; HttpOnly; Secure; SameSite=Lax$`));
    expect(setCookie).not.toMatch(/Domain=/i);
    expect(await count('sessions')).toBe(1);

    const story = await get(premium, cookieFrom(response));
    const html = await story.text();
    expect(html).toContain('class="paywalled-part"');
    expect(html).not.toContain('data-wall-reason');
  });

  it('accepts the email in any case', async () => {
    expect((await logIn({ email: email.toUpperCase() })).status).toBe(303);
  });

  it('signs with the published key, which other services can verify with', async () => {
    const token = cookieFrom(await logIn()).split('=')[1]!;
    const jwks = await (await get('/.well-known/jwks.json')).json<{ keys: Record<string, unknown>[] }>();
    expect(jwks.keys.length).toBeGreaterThan(0);
    for (const key of jwks.keys) expect(key).not.toHaveProperty('d');
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks as never), {
      issuer: settings.session.issuer,
      audience: settings.session.audience,
    });
    expect(payload).toMatchObject({ sub: accountId, plan: plan.id });
    expect(payload.exp! - payload.iat!).toBe(Number(env.SESSION_TOKEN_HOURS) * 3600);
  });
});

describe('refused logins write nothing and set no cookie', () => {
  const cases: [string, () => Response | Promise<Response>, number, string][] = [
    ['a wrong password', () => logIn({ password: 'wrong password' }), 401, 'do not match an account'],
    ['an unknown email', () => logIn({ email: 'nobody@example.com' }), 401, 'do not match an account'],
    ['an empty email', () => logIn({ email: '' }), 400, 'Enter your email address and your password.'],
    ['an empty password', () => logIn({ password: '' }), 400, 'Enter your email address and your password.'],
    ['an overlong email', () => logIn({ email: `${'a'.repeat(300)}@example.com` }), 400, 'longer than any email address'],
    ['an overlong password', () => logIn({ password: 'x'.repeat(2000) }), 400, 'longer than any email address'],
    ['something that is not an email', () => logIn({ email: 'not-an-email' }), 400, 'does not look like an email address'],
    ['a JSON body', () => app.request(`${origin}/login/`, { method: 'POST', headers: { 'Content-Type': 'application/json', Origin: origin }, body: JSON.stringify({ email, password }) }, env), 415, 'from our own page'],
    ['a huge body', () => logIn({ password: 'x'.repeat(20_000) }), 413, 'larger than ours'],
    ['no Origin', () => logIn({}, { Origin: '' }), 403, 'our own pages'],
    ['a foreign Origin', () => logIn({}, { Origin: 'https://evil.example' }), 403, 'our own pages'],
  ];

  it.each(cases)('%s', async (_, send, status, message) => {
    const failuresBefore = await count('login_failures');
    const response = await send();
    expect(response.status).toBe(status);
    expect(await response.text()).toContain(message);
    expect(response.headers.get('Set-Cookie')).toBeNull();
    expect(await count('sessions')).toBe(0);
    if (status !== 401) expect(await count('login_failures')).toBe(failuresBefore);
  });

  it('says the same for a wrong password and an unknown email', async () => {
    const wrong = await (await logIn({ password: 'wrong password' })).text();
    const unknown = await (await logIn({ email: 'nobody@example.com' })).text();
    const message = (html: string) => html.match(/data-login-error(?:="")?>([^<]*)</)?.[1];
    expect(message(wrong)).toBeTruthy();
    expect(message(wrong)).toBe(message(unknown));
  });
});

describe('a wrong password takes the same work whether or not the email has an account', () => {
  /** The PBKDF2 derivations one refused log-in runs: how many, and their iterations in all. */
  async function workOf(fields: Partial<Record<'email' | 'password', string>>) {
    const deriveBits = vi.spyOn(crypto.subtle, 'deriveBits');
    try {
      expect((await logIn(fields)).status).toBe(401);
      const iterations = deriveBits.mock.calls.map(([algorithm]) => (algorithm as Pbkdf2Params).iterations);
      return { derivations: iterations.length, iterations: iterations.reduce((sum, each) => sum + each, 0) };
    } finally {
      deriveBits.mockRestore();
    }
  }

  it('for an unknown email, an account without a password, and one whose hash is older and cheaper', async () => {
    const withoutPassword = 'no-password-yet@example.com';
    const cheaper = 'older-hash@example.com';
    const older = (await hashPassword(password)).replace(`$${ROUNDS}x`, '$1x');
    await env.DB.batch([
      env.DB.prepare('INSERT INTO accounts (id, email, password_hash, created_at) VALUES (?, ?, NULL, ?)').bind(crypto.randomUUID(), withoutPassword, now()),
      env.DB.prepare('INSERT INTO accounts (id, email, password_hash, created_at) VALUES (?, ?, ?, ?)').bind(crypto.randomUUID(), cheaper, older, now()),
    ]);
    const wrongPassword = await workOf({ password: 'wrong password' });
    expect(wrongPassword).toEqual({ derivations: ROUNDS, iterations: ROUNDS * ITERATIONS_PER_ROUND });
    expect(await workOf({ email: 'nobody-here@example.com', password: 'wrong password' }), 'an unknown email').toEqual(wrongPassword);
    expect(await workOf({ email: withoutPassword, password: 'wrong password' }), 'an account without a password').toEqual(wrongPassword);
    expect(await workOf({ email: cheaper, password: 'wrong password' }), 'an account with an older hash').toEqual(wrongPassword);
  });
});

describe('repeated failures', () => {
  const owner = { 'CF-Connecting-IP': '203.0.113.50' };
  const client = (index: number) => ({ 'CF-Connecting-IP': `198.51.100.${index}` });
  const statusesOf = async (answers: (Response | Promise<Response>)[]) => (await Promise.all(answers)).map((answer) => answer.status);

  it('are counted, not attempts: ten log-ins at once with the right password all get in', async () => {
    expect(await statusesOf(Array.from({ length: 10 }, () => logIn({}, owner)))).toEqual(Array(10).fill(303));
  });

  it('sent by others from many clients never refuse the owner the right password', async () => {
    const flood = 20;
    const guesses = await statusesOf(Array.from({ length: flood }, (_, index) => logIn({ password: 'wrong password' }, client(index))));
    expect(guesses).toEqual(Array(flood).fill(401));
    expect((await logIn({}, owner)).status).toBe(303);
  });

  it('are counted per client as they arrive, so parallel guesses cannot slip through; the owner elsewhere still gets in', async () => {
    const attacker = client(66);
    const sent = POLICIES.client.blockAfter + 5;
    const statuses = await statusesOf(Array.from({ length: sent }, () => logIn({ password: 'a parallel guess' }, attacker)));
    expect(statuses.filter((status) => status === 401).length).toBe(POLICIES.client.blockAfter);
    expect(statuses.filter((status) => status === 429).length).toBe(sent - POLICIES.client.blockAfter);
    expect((await logIn({}, attacker)).status, 'the guessing client, even with the right password').toBe(429);
    expect((await logIn({}, owner)).status, 'the owner on their own client').toBe(303);
  });

  it('refuse a client guessing across accounts until its window ends, and say when to try again', async () => {
    const guesser = client(7);
    await statusesOf(Array.from({ length: POLICIES.client.blockAfter }, (_, attempt) => logIn({ email: `guess${attempt}@example.com`, password: 'wrong password' }, guesser)));
    const refused = await logIn({}, guesser);
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('Retry-After'));
    expect(retryAfter).toBeGreaterThan(WINDOW_SECONDS - 60);
    expect(retryAfter).toBeLessThanOrEqual(WINDOW_SECONDS);
    expect(await refused.text()).toContain(`try again in ${WINDOW_SECONDS / 60} minutes, or ask for a link`);
    expect(refused.headers.get('Set-Cookie')).toBeNull();
    expect((await logIn({}, client(8))).status, 'another client').toBe(303);

    // Let the window run out, as if fifteen minutes had passed.
    await env.DB.prepare('UPDATE login_failures SET first_failure_at = first_failure_at - ?1, blocked_until = blocked_until - ?1').bind(WINDOW_SECONDS).run();
    expect((await logIn({}, guesser)).status).toBe(303);
  });
});

describe('open redirects', () => {
  it.each(['//evil.example', 'https://evil.example', '/\\evil.example', '/%2F%2Fevil.example', '%2F%2Fevil.example', '/%5Cevil.example'])(
    'return=%s lands on this site',
    async (target) => {
      const response = await logIn({ return: target });
      expect(response.status).toBe(303);
      expect(response.headers.get('Location')).toBe('/account/');
    },
  );
});

describe('the account page', () => {
  it('sends a reader who is not logged in to the login page', async () => {
    const response = await get('/account/');
    expect(response.status).toBe(303);
    expect(response.headers.get('Location')).toBe('/login/?return=%2Faccount%2F');
  });

  it('shows the email, plan and renewal date', async () => {
    const html = await (await get('/account/', cookieFrom(await logIn()))).text();
    expect(html).toContain(`<dd data-account="email">${email}</dd>`);
    expect(html).toContain(`<dd data-account="plan">${plan.name}</dd>`);
    expect(html).toMatch(/<dd data-account="status">Active until \d{1,2} \w+ \d{4}\.<\/dd>/);
  });
});

describe('logging out', () => {
  it('ends this session only', async () => {
    const first = cookieFrom(await logIn());
    const second = cookieFrom(await logIn());
    const response = await post('/logout/', {}, { Cookie: first });
    expect(response.status).toBe(303);
    expect(response.headers.get('Set-Cookie')).toMatch(new RegExp(`^${COOKIES.session}=; Max-Age=0`));
    expect(await count('sessions')).toBe(1);
    expect((await get('/account/', second)).status).toBe(200);
  });

  it('of all devices ends every session of the account', async () => {
    const first = cookieFrom(await logIn());
    cookieFrom(await logIn());
    await post('/logout/everywhere/', {}, { Cookie: first });
    expect(await count('sessions')).toBe(0);
  });

  it('sends the reader on to the identity provider to end its own session, when one is named', async () => {
    const cookie = cookieFrom(await logIn());
    const response = await app.request(
      `${origin}/logout/`,
      { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: origin, Cookie: cookie }, body: '' },
      { ...env, IDP_LOGOUT_URL: 'https://id.example/v2/logout?returnTo=https%3A%2F%2Fnews.example%2F', IDP_COOKIE: 'idp_token' },
    );
    expect(response.status).toBe(303);
    expect(response.headers.get('Location')).toBe('https://id.example/v2/logout?returnTo=https%3A%2F%2Fnews.example%2F');
    expect(response.headers.getSetCookie()).toEqual(expect.arrayContaining([expect.stringMatching(/^idp_token=; Max-Age=0/)]));
  });

  it('refuses a cross-site logout', async () => {
    const cookie = cookieFrom(await logIn());
    expect((await post('/logout/', {}, { Cookie: cookie, Origin: 'https://evil.example' })).status).toBe(403);
    expect(await count('sessions')).toBe(1);
  });
});

/** A token for a session row of `account`, issued `age` seconds ago and valid for `lifetime` seconds. */
async function tokenFor(sessionId: string, age: number, lifetime = 12 * 3600, planEnds = now() + 30 * day, account = accountId) {
  await env.DB.prepare('INSERT OR IGNORE INTO sessions (id, account_id, created_at, expires_at) VALUES (?, ?, ?, ?)')
    .bind(sessionId, account, now() - age, now() + 30 * day)
    .run();
  const issued = new Date((now() - age) * 1000);
  const token = await signSession({ subject: account, plan: plan.id, planEnds: new Date(planEnds * 1000), lifetime, sessionId }, await sessionKeys(env), issued);
  return `${COOKIES.session}=${token}`;
}

/** The cookies a browser keeps after a response: for each name the last Set-Cookie wins, and Max-Age=0 deletes. */
function browserKeeps(response: Response, jar: Record<string, string> = {}): Record<string, string> {
  const kept = { ...jar };
  for (const cookie of response.headers.getSetCookie()) {
    const [pair = ''] = cookie.split(';');
    const name = pair.slice(0, pair.indexOf('='));
    const value = pair.slice(pair.indexOf('=') + 1);
    if (/max-age=0/i.test(cookie) || !value) delete kept[name];
    else kept[name] = value;
  }
  return kept;
}
const cookieHeader = (jar: Record<string, string>) => Object.entries(jar).map(([name, value]) => `${name}=${value}`).join('; ');

describe('an explicit log-in or log-out wins over renewing an aging token', () => {
  // Every reader's token is past half its life after SESSION_TOKEN_HOURS / 2: the session
  // middleware renews it on the same request that logs out or logs in.
  const aging = 7 * 3600;

  it('logging out with a token past half its life leaves the browser without a session', async () => {
    const premium = (await storyWith('premium')).path;
    const cookie = await tokenFor('aging-logout', aging);
    expect(await (await get(premium, cookie)).text(), 'the token reads premium stories before').toContain(`class="${LOCKED_PART_CLASS}"`);

    const response = await post('/logout/', {}, { Cookie: cookie });
    expect(response.status).toBe(303);
    const kept = browserKeeps(response, { [COOKIES.session]: cookie.split('=')[1]! });
    expect(kept[COOKIES.session]).toBeUndefined();
    const after = await get(premium, cookieHeader(kept) || undefined);
    expect(await after.text()).not.toContain(`class="${LOCKED_PART_CLASS}"`);
  });

  it('logging in as another account while holding an aging token shows the second account', async () => {
    const other = await addAccount('second-account@example.com', now() + 30 * day);
    const held = await tokenFor('aging-first', aging, 12 * 3600, now() + 30 * day, other);
    const response = await logIn({ return: PAGES.account }, { Cookie: held });
    expect(response.status).toBe(303);
    const kept = browserKeeps(response, { [COOKIES.session]: held.split('=')[1]! });
    expect(decodeJwt(kept[COOKIES.session]!).sub).toBe(accountId);
    const page = await (await get(PAGES.account, cookieHeader(kept))).text();
    expect(page).toContain(`<dd data-account="email">${email}</dd>`);
  });
});

describe('renewal', () => {

  it('leaves a young token alone', async () => {
    const response = await get(premium, await tokenFor('young', 60));
    expect(response.headers.get('Set-Cookie')).toBeNull();
  });

  it('renews a token past half its life from D1', async () => {
    const response = await get(premium, await tokenFor('old', 7 * 3600));
    const renewed = cookieFrom(response).split('=')[1]!;
    expect(decodeJwt(renewed)).toMatchObject({ sid: 'old', plan: plan.id });
    expect(decodeJwt(renewed).iat).toBeGreaterThan(now() - 5);
    expect(response.headers.get('Cache-Control')).toBe('private, no-store');
    expect(await response.text()).toContain('class="paywalled-part"');
  });

  it('sends a renewed token only in a response no shared cache may keep, even on a free story', async () => {
    const response = await get((await storyWith('free')).path, await tokenFor('free-story', 7 * 3600));
    expect(response.status).toBe(200);
    expect(response.headers.get('Set-Cookie')).toMatch(new RegExp(`^${COOKIES.session}=ey`));
    expect(response.headers.get('Cache-Control')).toBe('private, no-store');
    expect(response.headers.get('Vary')).toMatch(/Cookie/);
  });

  it('keeps both cookies when a renewal meets a metered story that counts', async () => {
    const lapsing = await addAccount('lapsed-metered@example.com', now() - day);
    await env.DB.prepare('INSERT INTO sessions (id, account_id, created_at, expires_at) VALUES (?, ?, ?, ?)').bind('both', lapsing, now(), now() + day).run();
    const token = await signSession(
      { subject: lapsing, plan: plan.id, planEnds: new Date((now() - day) * 1000), lifetime: 3600, sessionId: 'both' },
      await sessionKeys(env),
      new Date((now() - 1900) * 1000),
    );
    const response = await get((await storyWith('metered')).path, `${COOKIES.session}=${token}`);
    const cookies = response.headers.getSetCookie().map((cookie) => cookie.split('=')[0]);
    expect(cookies.sort()).toEqual(['paywall_meter', COOKIES.session].sort());
    expect(response.headers.get('Cache-Control')).toBe('private, no-store');
  });

  it('renews an expired token while its login is still open', async () => {
    const response = await get(premium, await tokenFor('expired', 13 * 3600));
    expect(decodeJwt(cookieFrom(response).split('=')[1]!)).toMatchObject({ sid: 'expired' });
  });

  it('clears the cookie once the session has been deleted', async () => {
    const cookie = await tokenFor('deleted', 7 * 3600);
    await env.DB.prepare("DELETE FROM sessions WHERE id = 'deleted'").run();
    const response = await get(premium, cookie);
    expect(response.headers.get('Set-Cookie')).toMatch(new RegExp(`^${COOKIES.session}=; Max-Age=0`));
    expect(await response.text()).not.toContain('class="paywalled-part"');
  });

  it('carries the end of a subscription into the renewed token', async () => {
    const lapsedId = await addAccount('lapsing@example.com', now() + 30 * day);
    await env.DB.prepare('INSERT INTO sessions (id, account_id, created_at, expires_at) VALUES (?, ?, ?, ?)').bind('lapsing', lapsedId, now(), now() + day).run();
    const token = await signSession(
      { subject: lapsedId, plan: plan.id, planEnds: new Date((now() + 30 * day) * 1000), lifetime: 3600, sessionId: 'lapsing' },
      await sessionKeys(env),
      new Date((now() - 1900) * 1000),
    );
    await env.DB.prepare("UPDATE subscriptions SET status = 'ended', current_period_end = ? WHERE account_id = ?").bind(now() - 1, lapsedId).run();
    const response = await get(premium, `${COOKIES.session}=${token}`);
    const html = await response.text();
    expect(html).not.toContain('class="paywalled-part"');
    expect(html).toMatch(/data-wall-reason="lapsed">/);
  });
});

describe('when the accounts store is unavailable', () => {
  const failingDb = {
    prepare: () => {
      throw new Error('D1_ERROR: the database is unavailable');
    },
    batch: () => Promise.reject(new Error('D1_ERROR: the database is unavailable')),
  } as unknown as D1Database;
  const outages: [string, Env][] = [
    ['unbound', { ...env, DB: undefined as unknown as D1Database }],
    ['failing', { ...env, DB: failingDb }],
  ];
  const send = (bindings: Env, path: string, init: RequestInit = {}) => app.request(`${origin}${path}`, init, bindings);
  const form = (fields: Record<string, string>, headers: Record<string, string> = {}): RequestInit => ({
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: origin, ...headers },
    body: new URLSearchParams(fields).toString(),
  });

  it.each(outages)('answers log-in, log-out and the account page with 503 and Retry-After (D1 %s)', async (_, bindings) => {
    const cookie = await tokenFor('outage', 60);
    for (const [path, init] of [
      [PAGES.login, form({ email, password })],
      ['/logout/', form({}, { Cookie: cookie })],
      [PAGES.account, { headers: { Cookie: cookie } }],
    ] as const) {
      const response = await send(bindings, path, init);
      expect(response.status, path).toBe(503);
      expect(Number(response.headers.get('Retry-After')), path).toBeGreaterThan(0);
      expect(await response.text(), path).toContain('Accounts are briefly unavailable');
      expect(response.headers.get('Set-Cookie'), path).toBeNull();
      expect(response.headers.get('Cache-Control'), path).toBe('private, no-store');
    }
  });

  it.each(outages)('still serves story pages, and a subscriber whose token needs renewal keeps reading (D1 %s)', async (_, bindings) => {
    const free = await storyWith('free');
    expect((await send(bindings, free.path)).status).toBe(200);
    const premium = await storyWith('premium');
    const teaser = await send(bindings, premium.path);
    expect(teaser.status).toBe(200);
    expect(await teaser.text()).not.toContain(`class="${LOCKED_PART_CLASS}"`);
    const aging = await tokenFor('outage-aging', 7 * 3600);
    const full = await send(bindings, premium.path, { headers: { Cookie: aging } });
    expect(full.status).toBe(200);
    expect(await full.text()).toContain(`class="${LOCKED_PART_CLASS}"`);
    expect(full.headers.get('Set-Cookie')).toBeNull();
  });
});
