import { env } from 'cloudflare:workers';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WALL_REASONS } from '../../src/paywall/access.ts';
import { COOKIES, manifestStoryListPath, PAGES } from '../../src/paywall/contract.ts';
import { isStoryList, type StoryList } from '../../src/paywall/manifest.ts';
import { plansFile } from '../../src/paywall/plans.ts';
import { settings } from '../../src/paywall/settings.ts';
import { assetsWith } from '../../test/edge/assets.ts';
import { ORIGIN } from '../../test/edge/client.ts';
import { storyWith } from '../../test/edge/publication.ts';
import { localHour } from '../analytics/events.ts';
import { app } from '../index.ts';
import { signSession } from '../session/index.ts';
import { sessionKeys } from '../session/keys.ts';
import { addDays } from './period.ts';
import { ENOUGH, newcombe, readersNeeded, wilson } from './stats.ts';
import { experimentsFile } from '../../src/paywall/experiments.ts';
import { ACCESS_ASSERTION } from './staff.ts';
import { parseCsv } from '../../test/csv.ts';
import sectionsFile from '../../content/sections.json' with { type: 'json' };

// The newsroom: only staff see it (and, where configured, only through Cloudflare Access), and
// its figures are exact sums of the counted rows, by the site's local days. Stories and titles
// come from the build, settings and plans from content/.

const now = () => Math.floor(Date.now() / 1000);
const day = 86_400;
const plan = plansFile.plans[0]!;
const CSVS = ['stories', 'sections', 'authors', 'funnel', 'meter', 'subscriptions', 'money', 'gifts', 'readers'];

/** An account with a live session, and the cookie that carries it. */
async function member(kind: 'staff' | 'reader' | 'subscriber', options: { confirmed?: boolean } = {}): Promise<string> {
  const account = crypto.randomUUID();
  const session = crypto.randomUUID();
  const confirmed = options.confirmed ?? true;
  await env.DB.batch([
    env.DB.prepare('INSERT INTO accounts (id, email, password_hash, created_at, email_confirmed_at, staff) VALUES (?, ?, NULL, ?, ?, ?)').bind(
      account,
      `${kind}-${account}@example.com`,
      now(),
      confirmed ? now() : null,
      kind === 'staff' ? 1 : 0,
    ),
    env.DB.prepare('INSERT INTO sessions (id, account_id, created_at, expires_at) VALUES (?, ?, ?, ?)').bind(session, account, now(), now() + 30 * day),
    ...(kind === 'subscriber'
      ? [env.DB.prepare("INSERT INTO subscriptions (account_id, plan, status, current_period_end) VALUES (?, ?, 'active', ?)").bind(account, plan.id, now() + 30 * day)]
      : []),
  ]);
  const keys = await sessionKeys(env);
  const token = await signSession(
    kind === 'subscriber'
      ? { subject: account, plan: plan.id, planEnds: new Date((now() + 30 * day) * 1000), lifetime: 3600, sessionId: session }
      : { subject: account, lifetime: 3600, sessionId: session },
    keys,
    new Date(),
  );
  return `${COOKIES.session}=${token}`;
}

async function get(path: string, headers: Record<string, string> = {}, bindings: Env = env): Promise<Response> {
  return app.request(`${ORIGIN}${path}`, { headers, redirect: 'manual' }, bindings);
}

/** The site's own 404 page, as any unknown address gets it. */
let notFoundPage: string;
let staff: string;
beforeAll(async () => {
  notFoundPage = await (await get('/no-such-page-anywhere/')).text();
  staff = await member('staff');
});

const NEWSROOM_PATHS = [
  PAGES.newsroom,
  '/newsroom',
  '/newsroom/?last=7',
  '/newsroom/no-such-part/',
  PAGES.newsroomExperiments,
  '/newsroom/experiments.csv',
  ...CSVS.map((name) => `/newsroom/${name}.csv?from=2026-01-01&to=2026-01-31`),
];

describe('who sees the newsroom', () => {
  it.each([
    ['an anonymous visitor', async () => ({})],
    ['a registered reader', async () => ({ Cookie: await member('reader') })],
    ['a subscriber', async () => ({ Cookie: await member('subscriber') })],
    ['staff whose email is not confirmed', async () => ({ Cookie: await member('staff', { confirmed: false }) })],
  ])('%s gets the site\'s 404 for every newsroom address', async (_, headers) => {
    const sent = await headers();
    for (const path of [...NEWSROOM_PATHS, '/NEWSROOM/', '/%6Eewsroom/', '/newsroom%2Fstories.csv']) {
      let response = await get(path, sent);
      // Another spelling is first sent to the one spelling, as every address is.
      if (response.status === 301) response = await get(new URL(response.headers.get('Location')!, ORIGIN).pathname, sent);
      expect(response.status, path).toBe(404);
      expect(await response.text(), path).toBe(notFoundPage);
    }
  });

  it('staff get the dashboard, private, never stored and never indexed', async () => {
    const response = await get(PAGES.newsroom, { Cookie: staff });
    expect(response.status).toBe(200);
    expect(response.headers.get('Cache-Control')).toBe('private, no-store');
    expect(response.headers.get('X-Robots-Tag')).toMatch(/\bnoindex\b/);
    expect(response.headers.get('Vary')).toMatch(/Cookie/);
    const html = await response.text();
    expect(html).toMatch(/<meta name="robots" content="noindex, nofollow"/);
    for (const part of ['funnel', 'stories', 'sections', 'authors', 'meter', 'money', 'gifts']) expect(html).toContain(`id="${part}"`);
    expect(html).not.toMatch(/<script(?![^>]*type="application\/ld\+json")/);
  });

  it('leaves every other page as it was: public, cached and indexed', async () => {
    const ordinary = ['/', '/robots.txt', `/subscribe/${plan.id}/`, (await storyWith('free')).path];
    const front = await (await get('/')).text();
    const stylesheet = front.match(/<link rel="stylesheet" href="([^"]+)"/)?.[1];
    expect(stylesheet, 'the front page links a stylesheet').toBeDefined();
    for (const path of [...ordinary, stylesheet!]) {
      const response = await get(path);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('X-Robots-Tag'), path).toBeNull();
      expect(response.headers.get('Cache-Control') ?? '', path).not.toMatch(/private|no-store/);
    }
  });

  it('staff get every CSV, private and never indexed; an address that is not one is the site\'s 404', async () => {
    for (const name of CSVS) {
      const response = await get(`/newsroom/${name}.csv?from=2026-01-01&to=2026-01-31`, { Cookie: staff });
      expect(response.status, name).toBe(200);
      expect(response.headers.get('Content-Type'), name).toBe('text/csv; charset=utf-8');
      expect(response.headers.get('Cache-Control'), name).toBe('private, no-store');
      expect(response.headers.get('X-Robots-Tag'), name).toMatch(/\bnoindex\b/);
    }
    const missing = await get('/newsroom/visitors.csv', { Cookie: staff });
    expect(missing.status).toBe(404);
    expect(await missing.text()).toBe(notFoundPage);
  });

  it('staff are told what to write when a period cannot be read', async () => {
    const response = await get('/newsroom/stories.csv?from=2026-02-30&to=2026-03-02', { Cookie: staff });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('from=2026-11-01');
  });
});

describe('behind Cloudflare Access', () => {
  const team = 'newsroom-test.cloudflareaccess.com';
  const audience = 'newsroom-test-audience';
  const kid = 'access-test-1';
  const bindings = { ...env, ACCESS_TEAM_DOMAIN: team, ACCESS_AUD: audience };
  let signing: CryptoKey;
  let stranger: CryptoKey;

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256', { extractable: true });
    signing = pair.privateKey;
    stranger = (await generateKeyPair('RS256')).privateKey;
    const jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid, alg: 'RS256', use: 'sig' }] };
    const realFetch = globalThis.fetch;
    // The team's certs, as Access serves them; nothing else is answered here.
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      const url = new Request(input, init).url;
      if (url === `https://${team}/cdn-cgi/access/certs`) return Response.json(jwks);
      return realFetch(input, init);
    });
  });
  afterAll(() => vi.restoreAllMocks());

  const assertion = (key: CryptoKey, claims: { aud?: string; iss?: string } = {}) =>
    new SignJWT({ email: 'editor@example.com' })
      .setProtectedHeader({ alg: 'RS256', kid })
      .setIssuer(claims.iss ?? `https://${team}`)
      .setAudience(claims.aud ?? audience)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(key);

  it('refuses staff without an assertion, or with one signed by another key, for another audience or another team', async () => {
    const cases: Record<string, string | undefined> = {
      missing: undefined,
      'wrongly signed': await assertion(stranger),
      'another audience': await assertion(signing, { aud: 'another-application' }),
      'another team': await assertion(signing, { iss: 'https://elsewhere.cloudflareaccess.com' }),
      'not a token': 'not-a-jwt',
    };
    for (const [name, token] of Object.entries(cases)) {
      const response = await get(PAGES.newsroom, { Cookie: staff, ...(token ? { [ACCESS_ASSERTION]: token } : {}) }, bindings);
      expect(response.status, name).toBe(404);
      expect(await response.text(), name).toBe(notFoundPage);
    }
  });

  it('lets staff in with a valid assertion, and still refuses a reader who has one', async () => {
    const token = await assertion(signing);
    const response = await get(PAGES.newsroom, { Cookie: staff, [ACCESS_ASSERTION]: token }, bindings);
    expect(response.status).toBe(200);
    expect(response.headers.get('Cache-Control')).toBe('private, no-store');
    const csv = await get('/newsroom/stories.csv?from=2026-01-01&to=2026-01-07', { Cookie: staff, [ACCESS_ASSERTION]: token }, bindings);
    expect(csv.status).toBe(200);
    expect((await get(PAGES.newsroom, { Cookie: await member('subscriber'), [ACCESS_ASSERTION]: token }, bindings)).status).toBe(404);
  });
});


function byHeader(text: string): Record<string, string>[] {
  const [header, ...rows] = parseCsv(text);
  return rows.map((row) => Object.fromEntries(header!.map((name, index) => [name, row[index]!])));
}

/** The last minute of a local day and the first of the next, in the site's time zone, found by stepping through real time. */
function aroundMidnight(from: Date): [Date, Date] {
  let probe = from;
  const start = localHour(probe, settings.timeZone).day;
  while (localHour(probe, settings.timeZone).day === start) probe = new Date(probe.getTime() + 60_000);
  return [new Date(probe.getTime() - 60_000), probe];
}

describe('the figures', () => {
  // A local midnight some months back: the period starts at it.
  const [lastMinute, firstMinute] = aroundMidnight(new Date(Date.UTC(2026, 5, 14, 12)));
  const first = localHour(firstMinute, settings.timeZone);
  const before = localHour(lastMinute, settings.timeZone);
  const from = first.day;
  const to = addDays(from, 6);
  const after = `${addDays(to, 1)}T00`;
  const lastHour = `${to}T23`;
  let metered: string;
  let premium: string;
  let list: StoryList;

  beforeAll(async () => {
    metered = (await storyWith('metered')).path;
    premium = (await storyWith('premium')).path;
    const built = await (await env.ASSETS.fetch(`${ORIGIN}${manifestStoryListPath()}`)).json();
    if (!isStoryList(built)) throw new Error('The build has no story list; run the build');
    list = built;
    const row = (hour: string, event: string, story: string, detail: string, count: number) =>
      env.DB.prepare('INSERT INTO analytics_counts (hour, event, story, detail, count) VALUES (?, ?, ?, ?, ?)').bind(hour, event, story, detail, count);
    await env.DB.batch([
      // In the period: its first local hour and its last.
      row(first.hour, 'view', metered, 'metered|anonymous|full', 40),
      row(lastHour, 'view', metered, 'metered|registered|full', 2),
      row(lastHour, 'view', metered, 'metered|anonymous|teaser', 8),
      row(first.hour, 'view', metered, 'metered|crawler|teaser', 500),
      row(first.hour, 'wall', metered, 'register', 6),
      row(lastHour, 'wall', metered, 'limit', 2),
      row(first.hour, 'registration', metered, 'offer', 3),
      row(lastHour, 'checkout_started', metered, `${plan.id}|wall`, 2),
      row(lastHour, 'subscription', metered, `started|${plan.id}|wall`, 1),
      row(lastHour, 'subscription', metered, `renewed|${plan.id}|`, 9),
      row(first.hour, 'view', premium, 'premium|anonymous|teaser', 11),
      row(first.hour, 'wall', premium, 'premium', 11),
      row(lastHour, 'checkout_started', '', `${plan.id}|`, 4),
      // Just outside: the local hour before the period's first, and the first after its last.
      row(before.hour, 'view', metered, 'metered|anonymous|full', 1000),
      row(before.hour, 'wall', metered, 'register', 100),
      row(after, 'subscription', metered, `started|${plan.id}|wall`, 1000),
      row(after, 'registration', metered, 'offer', 1000),
      // The period before, for the funnel's comparison.
      row(`${addDays(from, -3)}T12`, 'view', premium, 'premium|anonymous|teaser', 20),
      row(`${addDays(from, -3)}T12`, 'wall', premium, 'premium', 5),
    ]);
  });

  it('the stories CSV has its header, and each story\'s exact sums for the local days asked', async () => {
    const response = await get(`/newsroom/stories.csv?from=${from}&to=${to}`, { Cookie: staff });
    expect(response.status).toBe(200);
    const text = await response.text();
    const [header] = parseCsv(text);
    expect(header!.slice(0, 2)).toEqual(['path', 'title']);
    for (const column of ['views', 'wall_views', 'registrations', 'checkouts', 'subscriptions']) expect(header).toContain(column);
    expect(text.split('\r\n').filter((line) => line.startsWith('path,'))).toHaveLength(1);
    const rows = byHeader(text);
    const title = (path: string) => list.stories.find(([candidate]) => candidate === path)![1];
    expect(rows.find((row) => row['path'] === metered)).toMatchObject({
      title: title(metered),
      views: '50',
      full_reads: '42',
      wall_views: '8',
      registrations: '3',
      checkouts: '2',
      subscriptions: '1',
      stop_rate: '0.16',
      subscriptions_per_1000_wall_views: '125',
    });
    expect(rows.find((row) => row['path'] === premium)).toMatchObject({ views: '11', wall_views: '11', registrations: '0', checkouts: '0', subscriptions: '0' });
    expect(rows, 'one row per story of the build').toHaveLength(list.stories.length);
    // The first story by views comes first.
    expect(rows[0]!['path']).toBe(metered);
  });

  it('a day earlier the period holds the hour before it too, so the edge really is by local day', async () => {
    const rows = byHeader(await (await get(`/newsroom/stories.csv?from=${addDays(from, -1)}&to=${to}`, { Cookie: staff })).text());
    expect(rows.find((row) => row['path'] === metered)).toMatchObject({ views: '1050', wall_views: '108' });
  });

  it('the funnel counts each step, with its rate, against the period before', async () => {
    const rows = byHeader(await (await get(`/newsroom/funnel.csv?from=${from}&to=${to}`, { Cookie: staff })).text());
    const step = (name: string) => rows.find((row) => row['step'] === name);
    // The period before holds the hour just before this one, and its own rows.
    expect(step('Views')).toMatchObject({ count: '61', previous: '1020', rate: '' });
    const rate = (part: number, whole: number) => String(Math.round((part / whole) * 10_000) / 10_000);
    expect(step('Wall shown')).toMatchObject({ count: '19', rate: rate(19, 61), previous: '105', previous_rate: rate(105, 1020) });
    expect(step('Registration offer shown')).toMatchObject({ count: '6' });
    expect(step('Registrations')).toMatchObject({ count: '3', rate: '0.5' });
    expect(step('Checkouts started')).toMatchObject({ count: '6', rate: '2' });
    expect(step('Subscriptions')).toMatchObject({ count: '1', previous: '0' });
    const reasons = rows.filter((row) => row['step']!.startsWith('Wall shown for'));
    expect(reasons).toHaveLength(WALL_REASONS.length);
    expect(reasons.reduce((sum, row) => sum + Number(row['count']), 0)).toBe(19);
  });

  it('the dashboard shows the same numbers in its tables', async () => {
    const html = await (await get(`/newsroom/?from=${from}&to=${to}`, { Cookie: staff })).text();
    expect(html).toMatch(/<th scope="row">Views<\/th><td class="num"><svg class="bar"[^>]*aria-hidden="true"[^>]*><rect width="100"[^>]*><\/rect><\/svg>61<\/td>/);
    expect(html).toContain(`href="/newsroom/stories.csv?from=${from}&amp;to=${to}"`);
  });

  it('titles that look like formulas reach the CSV as text, and the page escaped', async () => {
    const hostile: StoryList = { ...list, stories: list.stories.map(([path, title, section, author]) => [path, path === metered ? '=HYPERLINK("https://evil.example"),<b>' : title, section, author]) };
    const bindings = { ...env, ASSETS: assetsWith(env.ASSETS, (pathname) => (pathname === manifestStoryListPath() ? Response.json(hostile) : undefined)) };
    const text = await (await get(`/newsroom/stories.csv?from=${from}&to=${to}`, { Cookie: staff }, bindings)).text();
    expect(text).toContain(`${metered},"'=HYPERLINK(""https://evil.example""),<b>",`);
    const html = await (await get(`/newsroom/?from=${from}&to=${to}`, { Cookie: staff }, bindings)).text();
    expect(html).toContain('=HYPERLINK(&quot;https://evil.example&quot;),&lt;b&gt;');
  });
});

describe('unique readers', () => {
  it('are shown per local day, at the wall and per section: a past day\'s kept number, and today\'s from its registers', async () => {
    const { day: today } = localHour(new Date(), settings.timeZone);
    const past = addDays(today, -5);
    const section = sectionsFile[0]!.id;
    const kept = (scope: string, readers: number) =>
      env.DB.prepare("INSERT INTO analytics_counts (hour, event, story, detail, count) VALUES (?, 'uniques', '', ?, ?)").bind(`${past}T00`, scope, readers);
    await env.DB.batch([
      kept('site', 120),
      kept('wall', 30),
      kept(`section:${section}`, 40),
      env.DB.prepare("INSERT INTO analytics_uniques (day, scope, register, rank) VALUES (?1, 'site', 1, 1), (?1, 'site', 2, 3), (?1, 'site', 3, 2), (?1, 'wall', 2, 3)").bind(today),
    ]);
    const response = await get(`/newsroom/readers.csv?from=${past}&to=${today}`, { Cookie: staff });
    expect(response.status).toBe(200);
    const rows = byHeader(await response.text());
    expect(rows.map((row) => row['day'])).toEqual(Array.from({ length: 6 }, (_, index) => addDays(past, index)));
    expect(rows[0]).toMatchObject({ readers: '120', wall_readers: '30', stop_rate: '0.25', [`section_${section}`]: '40' });
    // Three registers set of 4,096: linear counting gives three readers, one of them at the wall.
    expect(rows[5]).toMatchObject({ readers: '3', wall_readers: '1', stop_rate: '0.3333' });
    const page = await (await get(`/newsroom/?from=${past}&to=${today}`, { Cookie: staff })).text();
    expect(page).toContain('id="readers"');
  });
});

describe('the experiments’ results', () => {
  // Counts filed as the edge files them, for each arm of each experiment content/experiments.json
  // declares: enough readers in every arm for subscriptions, too few registrations in one.
  const declared = experimentsFile.experiments;

  it.skipIf(!declared.length)('show each arm’s exposures and outcomes with Wilson and Newcombe intervals, as a page and a CSV', async () => {
    const { day: today } = localHour(new Date(), settings.timeZone);
    const hour = `${[...declared.map((experiment) => experiment.start), today].sort()[0]}T05`;
    const figures = (index: number) => ({ exposure: 1200 + 100 * index, subscription: 20 + 7 * index, registration: index === 0 ? 4 : 30, checkout: 50, renewal: 12 });
    const rows = declared.flatMap((experiment) =>
      experiment.arms.flatMap((arm, index) =>
        Object.entries(figures(index)).map(([step, count]) =>
          env.DB.prepare("INSERT INTO analytics_counts (hour, event, story, detail, count) VALUES (?, 'experiment', '', ?, ?)").bind(hour, `${experiment.id}|${arm.name}|${step}`, count),
        ),
      ),
    );
    await env.DB.batch(rows);

    const response = await get('/newsroom/experiments.csv', { Cookie: staff });
    expect(response.status).toBe(200);
    expect(response.headers.get('Cache-Control')).toBe('private, no-store');
    const csv = byHeader(await response.text());
    for (const experiment of declared) {
      const [control, other] = experiment.arms;
      const subscriptions = (name: string) => csv.find((row) => row['experiment'] === experiment.id && row['arm'] === name && row['outcome'] === 'subscription')!;
      const expected = wilson(figures(1).subscription, figures(1).exposure)!;
      const difference = newcombe({ successes: figures(1).subscription, trials: figures(1).exposure }, { successes: figures(0).subscription, trials: figures(0).exposure })!;
      expect(subscriptions(control!.name)).toMatchObject({ control: '1', exposures: String(figures(0).exposure), count: String(figures(0).subscription), enough_readers: '1', difference: '' });
      expect(Number(subscriptions(other!.name)['rate_low'])).toBeCloseTo(expected.low, 10);
      expect(Number(subscriptions(other!.name)['rate_high'])).toBeCloseTo(expected.high, 10);
      expect(Number(subscriptions(other!.name)['difference_low'])).toBeCloseTo(difference.low, 10);
      const registrations = csv.find((row) => row['experiment'] === experiment.id && row['arm'] === other!.name && row['outcome'] === 'registration')!;
      expect(registrations['enough_readers'], `fewer than ${ENOUGH.outcomes} registrations in the control`).toBe('0');
    }

    const page = await (await get(PAGES.newsroomExperiments, { Cookie: staff })).text();
    expect(page).toContain('Decide at the end date');
    expect(page).toContain('Not enough readers yet');
    // The planning line: Lehr's rule at the control's subscription rate, for a change of a fifth.
    const controlRate = figures(0).subscription / figures(0).exposure;
    expect(page).toContain(`needs about ${new Intl.NumberFormat(settings.locale).format(readersNeeded(controlRate, controlRate * 0.2))} readers exposed in each arm`);
    for (const experiment of declared) {
      expect(page).toContain(`id="experiment-${experiment.id}"`);
      for (const arm of experiment.arms) expect(page).toContain(`<th scope="row">${arm.name}</th>`);
    }
    expect(page).not.toMatch(/<script(?![^>]*type="application\/ld\+json")/);
  });
});
