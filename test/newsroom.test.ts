// A scripted morning over HTTP against `wrangler dev`, as `npm start` serves it, with a database
// of its own so that no other journey's readers are counted: anonymous readers read to the wall,
// one registers from a named story's offer, one subscribes through the test-mode provider from
// another named story, and a gift of a story is opened twice. Within 60 seconds the newsroom's
// stories CSV and its dashboard show exactly what this test was served, story by story.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localHour } from '../functions/analytics/events.ts';
import { DEMO_STAFF } from '../scripts/demo-accounts.ts';
import { startLocalSite, type LocalSite } from '../scripts/local-site.ts';
import { HOOKS, LOCAL_OUTBOX_PATH, LOCKED_PART_CLASS, LOGIN_LINK_PARAM, PAGES } from '../src/paywall/contract.ts';
import { plansFile } from '../src/paywall/plans.ts';
import { settings } from '../src/paywall/settings.ts';
import { sourceStories } from './content.ts';
import { parseCsv } from './csv.ts';
import { publishedPaths } from './dist.ts';
import { textOf } from './html.ts';

const published = await publishedPaths();
const stories = sourceStories().filter((story) => published.has(story.path) && story.lockedSentences.length > 0);
const metered = stories.filter((story) => story.access === 'metered');
const premium = stories.filter((story) => story.access === 'premium');
const plan = plansFile.plans.find((candidate) => candidate.id === plansFile.highlighted) ?? plansFile.plans[0]!;

interface Tally {
  views: number;
  wall_views: number;
  registrations: number;
  checkouts: number;
  subscriptions: number;
}

/** What this morning served, per story: what the newsroom must show. */
const expected = new Map<string, Tally>();
const tally = (path: string) => {
  let row = expected.get(path);
  if (!row) expected.set(path, (row = { views: 0, wall_views: 0, registrations: 0, checkouts: 0, subscriptions: 0 }));
  return row;
};

let site: LocalSite;
let state: string;

/** One browser against this test's own site: a cookie jar, no automatic redirects. */
class Browser {
  readonly jar = new Map<string, string>();

  async request(path: string, init: RequestInit = {}): Promise<{ status: number; location: string | null; html: string }> {
    const headers = new Headers(init.headers);
    if (this.jar.size) headers.set('Cookie', [...this.jar].map(([name, value]) => `${name}=${value}`).join('; '));
    const response = await fetch(new URL(path, site.url), { ...init, headers, redirect: 'manual' });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = ''] = cookie.split(';');
      const eq = pair.indexOf('=');
      if (pair.slice(eq + 1) && !/max-age=0/i.test(cookie)) this.jar.set(pair.slice(0, eq), pair.slice(eq + 1));
      else this.jar.delete(pair.slice(0, eq));
    }
    return { status: response.status, location: response.headers.get('Location'), html: await response.text() };
  }

  post(path: string, fields: Record<string, string>) {
    return this.request(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: site.url },
      body: new URLSearchParams(fields).toString(),
    });
  }

  /** Reads a story page and notes what it was served: a view, and the wall if it met one. */
  async read(path: string, query = ''): Promise<'full' | 'teaser'> {
    const page = await this.request(`${path}${query}`);
    expect(page.status, path).toBe(200);
    const full = page.html.includes(`class="${LOCKED_PART_CLASS}"`);
    tally(path).views++;
    if (!full) {
      expect(page.html).toContain(HOOKS.wallReason);
      tally(path).wall_views++;
    }
    return full ? 'full' : 'teaser';
  }

  /** Asks for a log-in link for `email`, back to `returnTo`, and uses it from the local outbox. */
  async logInByLink(email: string, returnTo: string): Promise<string | null> {
    expect((await this.post(PAGES.emailLink, { email, return: returnTo })).status).toBe(200);
    const outbox = await this.request(LOCAL_OUTBOX_PATH);
    const item = outbox.html.split('<li>').find((candidate) => candidate.includes(`To ${email},`));
    const href = item && new RegExp(`href="([^"]*${PAGES.loginLink.replaceAll('/', '\\/')}\\?${LOGIN_LINK_PARAM}=[^"]*)"`).exec(item)?.[1];
    expect(href, `an email to ${email} in the local outbox`).toBeTruthy();
    const link = new URL(href!.replaceAll('&amp;', '&'));
    expect((await this.request(`${link.pathname}${link.search}`)).status).toBe(303);
    expect((await this.request(PAGES.loginLink)).status).toBe(200);
    return (await this.post(PAGES.loginLink, {})).location;
  }
}

async function control<T>(path: string, body: unknown): Promise<T> {
  const response = await fetch(`${site.provider!.url}/_control/${path}?key=${encodeURIComponent(providerKey())}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return response.json() as Promise<T>;
}

function providerKey(): string {
  const secrets = parseEnv(readFileSync('.dev.vars', 'utf8'));
  return settings.payments.provider === 'stripe' ? secrets['STRIPE_SECRET_KEY']! : secrets['RAZORPAY_KEY_ID']!;
}

beforeAll(async () => {
  state = mkdtempSync(join(tmpdir(), 'presswall-newsroom-'));
  execFileSync(process.execPath, ['scripts/seed-local.ts', '--persist-to', state], { stdio: 'pipe' });
  // Every reader in every control (as test/server.ts has it), so the scripted morning's counts are the site's.
  site = await startLocalSite({ persistTo: state, retryBaseMs: 50, vars: { EXPERIMENTS: 'off' } });
}, 120_000);

afterAll(async () => {
  await site?.stop();
  if (state) rmSync(state, { recursive: true, force: true });
});

describe('the newsroom after a scripted morning', () => {
  it('shows exactly what was served, story by story, in the CSV and on the dashboard', { timeout: 180_000 }, async () => {
    const allowance = settings.freeStoriesPerMonth;
    expect(settings.registeredStoriesPerMonth, 'content/site.json has a registration step').toBeGreaterThan(allowance);
    expect(metered.length, 'content/stories/ has more published metered stories than the anonymous allowance').toBeGreaterThan(allowance);
    expect(premium.length, 'content/stories/ has a published premium story').toBeGreaterThan(0);
    const offered = metered[allowance]!;
    const bought = premium[0]!;
    const given = premium[1] ?? premium[0]!;

    // Two anonymous readers read to the wall.
    for (const reader of [new Browser(), new Browser()]) {
      for (const story of metered.slice(0, allowance)) expect(await reader.read(story.path)).toBe('full');
      expect(await reader.read(offered.path)).toBe('teaser');
    }

    // One more reads to the wall and registers from its offer, and is back on the story in full.
    const registering = new Browser();
    for (const story of metered.slice(0, allowance)) await registering.read(story.path);
    expect(await registering.read(offered.path)).toBe('teaser');
    expect(await registering.logInByLink(`morning-${Date.now()}@example.com`, offered.path)).toBe(offered.path);
    tally(offered.path).registrations++;
    expect(await registering.read(offered.path)).toBe('full');

    // One subscribes from a premium story's wall, through the test-mode provider.
    const subscriber = new Browser();
    const email = `subscriber-${Date.now()}@example.com`;
    expect(await subscriber.read(bought.path)).toBe('teaser');
    const started = await subscriber.post(PAGES.subscribe, { plan: plan.id, return: bought.path });
    tally(bought.path).checkouts++;
    const checkoutId = (started.location ?? started.html).match(/cs_test_\w+|sub_\w+/)?.[0];
    expect(checkoutId, 'a checkout was started').toBeTruthy();
    expect((await control<{ paid: boolean }>(`checkouts/${checkoutId}/pay`, { email })).paid).toBe(true);
    tally(bought.path).subscriptions++;
    expect((await subscriber.request(`${PAGES.checkoutReturn}?checkout=${checkoutId}`)).status).toBe(200);
    expect(await subscriber.read(bought.path)).toBe('full');

    // The subscriber confirms their email, gives a story, and the gift is opened twice.
    await subscriber.logInByLink(email, PAGES.account);
    const gift = await subscriber.post(PAGES.gifts, { story: given.path, title: 'A gift' });
    expect(gift.status).toBe(200);
    const link = new URL(/value="([^"]+)"[^>]*data-gift="link"/.exec(gift.html)![1]!.replaceAll('&amp;', '&'));
    for (const friend of [new Browser(), new Browser()]) expect(await friend.read(link.pathname, link.search)).toBe('full');

    // Staff read the newsroom for today, until the queue has delivered every count.
    const staff = new Browser();
    expect((await staff.post(PAGES.login, { email: DEMO_STAFF.email, password: DEMO_STAFF.password, return: PAGES.newsroom })).status).toBe(303);
    const { day } = localHour(new Date(), settings.timeZone);
    const columns = ['views', 'wall_views', 'registrations', 'checkouts', 'subscriptions'] as const;
    const titles = new Map<string, string>();
    const shown = async () => {
      const csv = await staff.request(`${PAGES.newsroom}stories.csv?from=${day}&to=${day}`);
      expect(csv.status).toBe(200);
      const [header, ...rows] = parseCsv(csv.html);
      expect(header!.slice(0, 2)).toEqual(['path', 'title']);
      for (const column of columns) expect(header).toContain(column);
      for (const row of rows) titles.set(row[0]!, row[1]!);
      return new Map(rows.filter((row) => row.length > 1).map((row) => [row[0]!, Object.fromEntries(columns.map((name) => [name, Number(row[header!.indexOf(name)])])) as unknown as Tally]));
    };
    const deadline = Date.now() + 60_000;
    let rows = await shown();
    while (Date.now() < deadline && [...expected].some(([path, want]) => JSON.stringify(rows.get(path)) !== JSON.stringify(want))) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      rows = await shown();
    }
    for (const [path, want] of expected) expect(rows.get(path), path).toEqual(want);

    // The dashboard's stories table shows the same figures for the named stories.
    const dashboard = await staff.request(`${PAGES.newsroom}?from=${day}&to=${day}`);
    expect(dashboard.status).toBe(200);
    for (const { path } of [offered, bought]) {
      const title = titles.get(path)!;
      const row = dashboard.html.split('<tr').find((candidate) => textOf(`<tr${candidate.split('</th>')[0]!}`) === title);
      expect(row, `a row for ${path} on the dashboard`).toBeTruthy();
      const cells = [...row!.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((cell) => textOf(cell[1]!));
      const figures = cells.filter((cell) => /^[\d,]+$/.test(cell)).map((cell) => Number(cell.replaceAll(',', '')));
      const want = expected.get(path)!;
      for (const value of [want.views, want.wall_views, want.registrations, want.checkouts, want.subscriptions]) expect(figures).toContain(value);
    }
  });
});
