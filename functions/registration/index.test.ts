import { env } from 'cloudflare:workers';
import { decodeJwt } from 'jose';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import emailsFile from '../../content/emails/emails.json' with { type: 'json' };
import { COOKIES, LOCAL_OUTBOX_PATH, LOCKED_PART_CLASS, LOGIN_LINK_MINUTES, LOGIN_LINK_PARAM, PAGES } from '../../src/paywall/contract.ts';
import type { ManifestStory } from '../../src/paywall/manifest.ts';
import { plansFile } from '../../src/paywall/plans.ts';
import { settings } from '../../src/paywall/settings.ts';
import { ORIGIN } from '../../test/edge/client.ts';
import { uniqueEmail } from '../../test/edge/payments.ts';
import { meterHolding } from '../../test/meter.ts';
import { storiesWith, storyWith } from '../../test/edge/publication.ts';
import { addAccount, bindingsWith, Outbox, Reader, wallReasonIn } from '../../test/edge/readers.ts';
import { linkThrottleKeys, POLICIES, WINDOW_SECONDS } from '../accounts/throttle.ts';
import { signSession } from '../session/index.ts';
import { sessionKeys } from '../session/keys.ts';
import { hashToken } from '../tokens/index.ts';
import { edited } from '../../test/tokens.ts';

// Readers who do not pay yet, inside workerd: the registration offer after the anonymous
// allowance, one-time log-in links by email (which also register), and the meter that follows an
// account. Stories and numbers come from the build and content/, never from the demo.

const subjectOf = (name: keyof typeof emailsFile.subjects) => emailsFile.subjects[name].replace('{{site}}', settings.name);
const textOf = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
const meterOf = (reader: Reader) => decodeJwt(reader.jar.get(COOKIES.meter)!)['r'] as string[];

const failingDb = {
  prepare: () => {
    throw new Error('D1_ERROR: the database is unavailable');
  },
  batch: () => Promise.reject(new Error('D1_ERROR: the database is unavailable')),
} as unknown as D1Database;

let metered: ManifestStory[];
let premium: ManifestStory;

beforeAll(async () => {
  metered = await storiesWith('metered');
  premium = await storyWith('premium');
  if (metered.length < 2) throw new Error('These tests need two published metered stories in content/stories/');
});

/** A form posted by `reader` from the client address 198.51.100.<client>. */
function postFrom(reader: Reader, client: number, path: string, fields: Record<string, string>) {
  return reader.request(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: ORIGIN, 'CF-Connecting-IP': `198.51.100.${client}` },
    body: new URLSearchParams(fields).toString(),
  });
}

function setup(changes: Partial<Env> = {}) {
  const outbox = new Outbox();
  const bindings = bindingsWith(outbox, changes);
  return { outbox, bindings, reader: new Reader(bindings) };
}

/** A reader registered by link, returned to `returnTo`. */
async function registered(returnTo: string = PAGES.account) {
  const site = setup();
  const email = uniqueEmail('reader');
  const { reader } = site;
  const done = await reader.logInByLink(site.outbox, email, returnTo);
  return { ...site, email, reader, done };
}

describe('the registration offer', () => {
  const registeredSetting = settings.registeredStoriesPerMonth;
  afterEach(() => {
    settings.registeredStoriesPerMonth = registeredSetting;
  });

  it('lets an anonymous reader read the anonymous allowance', async () => {
    const reader = setup().reader;
    reader.jar.set(COOKIES.meter, await meterHolding(settings.freeStoriesPerMonth - 1, env.METER_SECRET));
    expect(await reader.readsInFull(metered[0]!.path)).toBe(true);
  });

  it('comes after the anonymous allowance, above the plan cards, and returns to the story', async () => {
    expect(settings.registeredStoriesPerMonth, 'content/site.json has a registration step').toBeGreaterThan(0);
    const reader = setup().reader;
    reader.jar.set(COOKIES.meter, await meterHolding(settings.freeStoriesPerMonth, env.METER_SECRET));
    const response = await reader.get(metered[0]!.path);
    const html = await response.text();
    expect(response.status).toBe(200);
    expect(html).not.toContain(`class="${LOCKED_PART_CLASS}"`);
    expect(wallReasonIn(html)).toBe('register');
    const more = settings.registeredStoriesPerMonth - settings.freeStoriesPerMonth;
    expect(textOf(html)).toContain(`read ${more} more`);
    const form = html.indexOf(`action="${PAGES.emailLink}"`);
    expect(form, 'the offer asks for an email').toBeGreaterThan(-1);
    expect(html.slice(form, html.indexOf('</form>', form))).toContain(`name="return" value="${metered[0]!.path}"`);
    expect(html.indexOf('class="plan-list"'), 'the plan cards stay, below the offer').toBeGreaterThan(form);
  });

  it('is not there when registeredStoriesPerMonth is 0: the plain limit instead', async () => {
    settings.registeredStoriesPerMonth = 0;
    const reader = setup().reader;
    reader.jar.set(COOKIES.meter, await meterHolding(settings.freeStoriesPerMonth, env.METER_SECRET));
    const html = await (await reader.get(metered[0]!.path)).text();
    expect(wallReasonIn(html)).toBe('limit');
    expect(html).not.toContain(`action="${PAGES.emailLink}"`);
    expect(html).toContain('class="plan-list"');
  });
});

describe('asking for a log-in link', () => {
  it('answers the same whether or not the address has an account, and sends the email that fits', async () => {
    const { outbox, reader } = setup();
    const known = uniqueEmail('known');
    await addAccount(known);
    const unknown = uniqueEmail('unknown');
    const answers = [];
    for (const email of [known, unknown]) {
      const response = await reader.post(PAGES.emailLink, { email, return: PAGES.account });
      expect(response.status).toBe(200);
      answers.push(textOf(await response.text()).replace(email, 'EMAIL'));
    }
    expect(answers[0]).toBe(answers[1]);
    expect(outbox.last(known).subject).toBe(subjectOf('log-in'));
    expect(outbox.last(unknown).subject).toBe(subjectOf('welcome'));
    const made = await env.DB.prepare('SELECT COUNT(*) AS n FROM accounts WHERE email = ?').bind(unknown).first<number>('n');
    expect(made, 'asking creates no account; opening the link does').toBe(0);
  });

  it('sends the link in both parts, never in the subject, from the sender in content/emails', async () => {
    const { outbox, reader } = setup();
    const email = uniqueEmail('parts');
    await reader.post(PAGES.emailLink, { email, return: PAGES.account });
    const sent = outbox.last(email);
    const link = outbox.linkTo(email);
    expect(sent.from).toEqual(emailsFile.from);
    expect(sent.text).toContain(link);
    expect(sent.html).toContain(link);
    expect(sent.subject).not.toContain(LOGIN_LINK_PARAM + '=');
  });

  it(`stores only the link's hash, valid for ${LOGIN_LINK_MINUTES} minutes`, async () => {
    const { outbox, reader } = setup();
    const email = uniqueEmail('hashed');
    await reader.post(PAGES.emailLink, { email, return: PAGES.account });
    const token = new URL(outbox.linkTo(email), 'https://x.invalid').searchParams.get(LOGIN_LINK_PARAM)!;
    const row = await env.DB.prepare('SELECT * FROM login_links WHERE email = ?').bind(email).first<Record<string, unknown>>();
    expect(row!['token_hash']).toBe(await hashToken(token));
    expect(JSON.stringify(row)).not.toContain(token);
    expect(Number(row!['expires_at']) - Number(row!['created_at'])).toBe(LOGIN_LINK_MINUTES * 60);
  });

  it.each([
    ['', 'Enter your email address'],
    ['not-an-email', 'does not look like an email address'],
    [`${'a'.repeat(300)}@example.com`, 'longer than any email address'],
  ])('answers %j with a clear message and sends nothing', async (email, message) => {
    const { outbox, reader } = setup();
    const response = await reader.post(PAGES.emailLink, { email, return: PAGES.account });
    expect(response.status).toBe(400);
    expect(textOf(await response.text())).toContain(message);
    expect(outbox.sent).toHaveLength(0);
  });

  it('refuses a form sent from another site', async () => {
    const { outbox, reader } = setup();
    const response = await reader.post(PAGES.emailLink, { email: uniqueEmail('cross'), return: PAGES.account }, 'https://evil.example');
    expect(response.status).toBe(403);
    expect(outbox.sent).toHaveLength(0);
  });

  it(`refuses more than ${POLICIES.linkEmail.blockAfter} links to one address with 429, whatever the client`, async () => {
    const { outbox, reader } = setup();
    const email = uniqueEmail('flood');
    const ask = (client: number) => postFrom(reader, client, PAGES.emailLink, { email, return: PAGES.account });
    for (let attempt = 0; attempt < POLICIES.linkEmail.blockAfter; attempt++) expect((await ask(attempt)).status).toBe(200);
    const refused = await ask(200);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('Retry-After'))).toBeGreaterThan(0);
    expect(textOf(await refused.text())).toContain('Use the newest one in your inbox');
    expect(outbox.sent).toHaveLength(POLICIES.linkEmail.blockAfter);
  });

  it(`refuses more than ${POLICIES.linkClient.blockAfter} links from one client with 429`, async () => {
    const { outbox, reader } = setup();
    const ask = () => postFrom(reader, 77, PAGES.emailLink, { email: uniqueEmail('client'), return: PAGES.account });
    for (let attempt = 0; attempt < POLICIES.linkClient.blockAfter; attempt++) expect((await ask()).status).toBe(200);
    expect((await ask()).status).toBe(429);
    expect(outbox.sent).toHaveLength(POLICIES.linkClient.blockAfter);
  });

  it('refuses links to one address for no longer than what is left of its window, then sends again', async () => {
    const { outbox, reader } = setup();
    const email = uniqueEmail('window');
    const ask = () => reader.post(PAGES.emailLink, { email, return: PAGES.account });
    for (let attempt = 0; attempt < POLICIES.linkEmail.blockAfter; attempt++) expect((await ask()).status).toBe(200);
    const key = linkThrottleKeys(email, undefined)[0]!.key;
    const age = (seconds: number) =>
      env.DB.prepare('UPDATE login_failures SET first_failure_at = first_failure_at - ?1, blocked_until = MAX(blocked_until - ?1, 0) WHERE key = ?2').bind(seconds, key).run();
    // As if the first of those links had been asked for ten minutes ago.
    const elapsed = 10 * 60;
    await age(elapsed);
    const refused = await ask();
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('Retry-After'))).toBeGreaterThan(0);
    expect(Number(refused.headers.get('Retry-After'))).toBeLessThanOrEqual(WINDOW_SECONDS - elapsed);

    await age(WINDOW_SECONDS - elapsed);
    expect((await ask()).status).toBe(200);
    expect(outbox.sent).toHaveLength(POLICIES.linkEmail.blockAfter + 1);
  });

  it('retries a failing email service, and sends', async () => {
    const { outbox, reader } = setup();
    outbox.failures = 2;
    const email = uniqueEmail('retried');
    expect((await reader.post(PAGES.emailLink, { email, return: PAGES.account })).status).toBe(200);
    expect(outbox.last(email).to).toBe(email);
  });

  it('tells the reader clearly when the email could not be sent', async () => {
    const { outbox, reader } = setup();
    outbox.failures = 10;
    const response = await reader.post(PAGES.emailLink, { email: uniqueEmail('unsent'), return: PAGES.account });
    expect(response.status).toBe(503);
    expect(Number(response.headers.get('Retry-After'))).toBeGreaterThan(0);
    expect(textOf(await response.text())).toContain('We could not send your email just now');
  });
});

describe('opening a log-in link', () => {
  it('moves the token out of the address, privately, without using it up', async () => {
    const { outbox, reader } = setup();
    const email = uniqueEmail('open');
    await reader.post(PAGES.emailLink, { email, return: PAGES.account });
    const opened = await reader.get(outbox.linkTo(email));
    expect(opened.status).toBe(303);
    expect(opened.headers.get('Location')).toBe(PAGES.loginLink);
    expect(opened.headers.get('Cache-Control')).toBe('private, no-store');
    expect(opened.headers.get('Referrer-Policy')).toBe('no-referrer');
    // A mail scanner opens the page too: showing it twice uses nothing.
    for (let look = 0; look < 2; look++) {
      const page = await reader.get(PAGES.loginLink);
      expect(page.status).toBe(200);
      expect(page.headers.get('Cache-Control')).toBe('private, no-store');
      expect(textOf(await page.text())).toContain(email);
    }
    expect((await reader.post(PAGES.loginLink, {})).status).toBe(303);
  });

  it('registers a new reader and brings them back to the story they came from', async () => {
    const story = metered[0]!.path;
    const { email, done, reader } = await registered(story);
    expect(done.status).toBe(303);
    expect(done.headers.get('Location')).toBe(story);
    expect(reader.jar.has(COOKIES.session)).toBe(true);
    const account = await env.DB.prepare('SELECT password_hash FROM accounts WHERE email = ?').bind(email).first<{ password_hash: string | null }>();
    expect(account, 'the account exists, with no password').toEqual({ password_hash: null });
    expect(textOf(await (await reader.get(PAGES.account)).text())).toContain(email);
  });

  it('logs an existing account in, subscription and all', async () => {
    const { outbox, reader } = setup();
    const email = uniqueEmail('subscriber');
    await addAccount(email, { plan: plansFile.plans[0]!.id });
    expect((await reader.logInByLink(outbox, email, premium.path)).headers.get('Location')).toBe(premium.path);
    expect(await reader.readsInFull(premium.path)).toBe(true);
  });

  it.each(['//evil.example/', 'https://evil.example/', '/\\evil.example'])('returns to the account page, not to %s', async (returnTo) => {
    const { done } = await registered(returnTo);
    expect(done.headers.get('Location')).toBe(PAGES.account);
  });

  it('works once', async () => {
    const { outbox, reader } = setup();
    const email = uniqueEmail('once');
    await reader.logInByLink(outbox, email);
    const replay = setup().reader;
    expect((await replay.get(outbox.linkTo(email))).status).toBe(303);
    const page = await replay.get(PAGES.loginLink);
    expect(page.status).toBe(410);
    expect(textOf(await page.text())).toContain('This link no longer works');
    const used = await replay.post(PAGES.loginLink, {});
    expect(used.status).toBe(410);
    expect(replay.jar.has(COOKIES.session)).toBe(false);
  });

  it('logs the owner in with a link already sent, whatever links and wrong passwords others ask for', async () => {
    const { outbox, bindings, reader } = setup();
    const email = uniqueEmail('flooded');
    await addAccount(email, { password: 'the owner’s own password' });
    expect((await reader.post(PAGES.emailLink, { email, return: PAGES.account })).status).toBe(200);
    const sent = outbox.linkTo(email);

    const others = new Reader(bindings);
    const links = [];
    for (let client = 0; client <= POLICIES.linkEmail.blockAfter; client++) links.push((await postFrom(others, client, PAGES.emailLink, { email, return: PAGES.account })).status);
    expect(links.at(-1), 'asking for more links is refused for now').toBe(429);
    await Promise.all(Array.from({ length: POLICIES.client.blockAfter }, (_, client) => postFrom(others, client, PAGES.login, { email, password: 'a guess', return: PAGES.account })));

    expect((await reader.get(sent)).status).toBe(303);
    expect((await reader.get(PAGES.loginLink)).status).toBe(200);
    expect((await reader.post(PAGES.loginLink, {})).status).toBe(303);
    expect(reader.jar.has(COOKIES.session)).toBe(true);
    const newest = new Reader(bindings);
    await newest.get(outbox.linkTo(email));
    expect((await newest.post(PAGES.loginLink, {})).status, 'the newest link, sent at others’ request, works too').toBe(303);
  });

  it(`logs nobody in after ${LOGIN_LINK_MINUTES} minutes`, async () => {
    const { outbox, reader } = setup();
    const email = uniqueEmail('late');
    await reader.post(PAGES.emailLink, { email, return: PAGES.account });
    await env.DB.prepare('UPDATE login_links SET expires_at = ? WHERE email = ?').bind(Math.floor(Date.now() / 1000) - 1, email).run();
    await reader.get(outbox.linkTo(email));
    expect((await reader.get(PAGES.loginLink)).status).toBe(410);
    expect((await reader.post(PAGES.loginLink, {})).status).toBe(410);
    expect(reader.jar.has(COOKIES.session)).toBe(false);
  });

  it('answers forged, truncated and padded tokens with the "no longer works" page, never a 5xx', async () => {
    const { outbox, reader } = setup();
    const email = uniqueEmail('forged');
    await reader.post(PAGES.emailLink, { email, return: PAGES.account });
    const token = new URL(outbox.linkTo(email), 'https://x.invalid').searchParams.get(LOGIN_LINK_PARAM)!;
    const flipped = edited(token);
    const variants = [flipped, token.slice(0, -1), `${token}A`, `${token}=`, ` ${token}`, 'x'.repeat(5000), '', '%00', "' OR 1=1 --"];
    for (const variant of variants) {
      const other = setup().reader;
      const opened = await other.get(`${PAGES.loginLink}?${LOGIN_LINK_PARAM}=${encodeURIComponent(variant)}`);
      expect(opened.status, variant).toBeLessThan(500);
      const used = await other.post(PAGES.loginLink, {});
      expect(used.status, variant).toBe(410);
      expect(other.jar.has(COOKIES.session), variant).toBe(false);
    }
    // The real link still works afterwards.
    await reader.get(outbox.linkTo(email));
    expect((await reader.post(PAGES.loginLink, {})).status).toBe(303);
  });
});

describe('the local outbox', () => {
  it('is the site’s 404 unless LOCAL_OUTBOX is set', async () => {
    expect(env.LOCAL_OUTBOX, 'wrangler.toml leaves it off').toBe('');
    const response = await setup().reader.get(LOCAL_OUTBOX_PATH);
    expect(response.status).toBe(404);
  });

  it('lists the latest emails with their links when it is on, privately', async () => {
    const { outbox, reader } = setup({ LOCAL_OUTBOX: '1' });
    const email = uniqueEmail('outbox');
    await reader.post(PAGES.emailLink, { email, return: PAGES.account });
    const response = await reader.get(LOCAL_OUTBOX_PATH);
    expect(response.status).toBe(200);
    expect(response.headers.get('Cache-Control')).toBe('private, no-store');
    const html = await response.text();
    expect(html).toContain(email);
    expect(html).toContain(outbox.linkTo(email).replaceAll('&', '&amp;'));
  });
});

describe('the meter of a registered reader', () => {
  it('gives the registered allowance, then the plan cards', async () => {
    const { reader } = await registered();
    reader.jar.set(COOKIES.meter, await meterHolding(settings.registeredStoriesPerMonth - 1, env.METER_SECRET));
    const last = await (await reader.get(metered[0]!.path)).text();
    expect(last).toContain(`class="${LOCKED_PART_CLASS}"`);
    expect(last).toContain('This is your last free story this month');
    const walled = await (await reader.get(metered[1]!.path)).text();
    expect(walled).not.toContain(`class="${LOCKED_PART_CLASS}"`);
    expect(wallReasonIn(walled)).toBe('limit');
    expect(walled).toContain('class="plan-list"');
    expect(await reader.readsInFull(metered[0]!.path), 're-reads stay free').toBe(true);
  });

  it('still needs a subscription for a premium story', async () => {
    const { reader } = await registered();
    const html = await (await reader.get(premium.path)).text();
    expect(html).not.toContain(`class="${LOCKED_PART_CLASS}"`);
    expect(wallReasonIn(html)).toBe('premium');
  });

  it('adds the stories read before registering to the account', async () => {
    const { outbox, reader } = setup();
    expect(await reader.readsInFull(metered[0]!.path)).toBe(true);
    const email = uniqueEmail('before');
    await reader.logInByLink(outbox, email);
    const stored = await env.DB.prepare('SELECT m.story_key FROM meter_reads m JOIN accounts a ON a.id = m.account_id WHERE a.email = ?').bind(email).all();
    expect(stored.results.map((row) => row['story_key'])).toEqual([metered[0]!.meterKey]);
  });

  it('follows the account to a second browser at log-in, after the first one’s writes', async () => {
    const { outbox, reader: first, email } = await registered();
    expect(await first.readsInFull(metered[0]!.path)).toBe(true);
    await first.settled();
    const second = new Reader(bindingsWith(outbox));
    await second.logInByLink(outbox, email);
    expect(meterOf(second)).toEqual([metered[0]!.meterKey]);
    const reread = await (await second.get(metered[0]!.path)).text();
    const left = settings.registeredStoriesPerMonth - 1;
    expect(textOf(reread), 'the re-read is free, and the count is the account’s').toContain(`You have ${left} free ${left === 1 ? 'story' : 'stories'} left`);
  });

  it('is merged again when the session token is renewed', async () => {
    const { reader: first, email, outbox } = await registered();
    const second = new Reader(bindingsWith(outbox));
    await second.logInByLink(outbox, email);
    expect(await first.readsInFull(metered[0]!.path)).toBe(true);
    await first.settled();
    // The second browser's token, as it is hours later: past half its life.
    const claims = decodeJwt(second.jar.get(COOKIES.session)!);
    const lifetime = claims.exp! - claims.iat!;
    const aged = await signSession({ subject: claims.sub!, lifetime, sessionId: String(claims['sid']) }, await sessionKeys(env), new Date(Date.now() - lifetime * 600));
    second.jar.set(COOKIES.session, aged);
    await second.get(PAGES.account);
    expect(meterOf(second)).toContain(metered[0]!.meterKey);
  });

  it('never waits on D1 to read: a story opens while the database is down', async () => {
    const { reader } = await registered();
    const offline = new Reader({ ...bindingsWith(new Outbox()), DB: failingDb });
    for (const [name, value] of reader.jar) offline.jar.set(name, value);
    expect(await offline.readsInFull(metered[0]!.path)).toBe(true);
    await offline.settled();
  });
});
