import { env } from 'cloudflare:workers';
import { COOKIES, FEEDS_PREFIX, GIFT_PARAM, PAGES } from '../../src/paywall/contract.ts';
import type { ManifestStory } from '../../src/paywall/manifest.ts';
import { SignJWT, UnsecuredJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { settings } from '../../src/paywall/settings.ts';
import { signSession } from '../../functions/session/index.ts';
import { sessionKeys } from '../../functions/session/keys.ts';
import { giftLink } from '../../functions/gifts/links.ts';
import { sign } from '../../functions/signed/index.ts';
import { textOf } from '../html.ts';
import { leaksIn, lockedStories, request } from './client.ts';
import { storyWith, usedUpMeter } from './publication.ts';
import { endSubscription, Outbox, type Reader, subscriber } from './readers.ts';
import { edited } from '../tokens.ts';
import { plansFile } from '../../src/paywall/plans.ts';

// Every built file and every spelling of every story, requested as every kind of reader who must
// not get locked text, with GET and HEAD, Range and If-None-Match. None of the answers may hold a
// locked sentence or be a 5xx. A subscriber walking the same stories must get every sentence.

const seconds = Math.floor(Date.now() / 1000);
const day = 86_400;
const claims = (overrides: Record<string, unknown> = {}) => ({
  iss: settings.session.issuer,
  aud: settings.session.audience,
  sub: 'matrix',
  iat: seconds,
  exp: seconds + 3600,
  plan: plansFile.plans[0]!.id,
  plan_ends: seconds + 30 * day,
  ...overrides,
});
const [hsKid, hsSecret] = env.SESSION_SECRETS.split(',')[0]!.split(':') as [string, string];
const bytes = (text: string) => new TextEncoder().encode(text);
const hs = (payload: object, kid = hsKid, secret = hsSecret) =>
  new SignJWT({ ...payload }).setProtectedHeader({ alg: 'HS256', kid }).sign(bytes(secret));

type Persona = { name: string; headers: Record<string, string>; cookies: Record<string, string>; meter: boolean };
const personas: Persona[] = [];
const cookie = (pairs: Record<string, string>) => Object.entries(pairs).map(([name, value]) => `${name}=${value}`).join('; ');

beforeAll(async () => {
  const meter = await usedUpMeter();
  const keys = await sessionKeys(env);
  const publicJwk = keys.published.keys[0]!;
  const lapsed = await signSession(
    { subject: 'lapsed', plan: plansFile.plans[0]!.id, planEnds: new Date((seconds - day) * 1000), lifetime: 3600 },
    keys,
    new Date(),
  );
  const tokens: Record<string, string> = {
    'a lapsed subscriber': lapsed,
    'a token signed with the wrong key': await hs(claims(), hsKid, 'an-attackers-own-secret-that-is-long-enough'),
    'alg none': new UnsecuredJWT(claims()).encode(),
    'HS256 signed with the public key': await hs(claims(), publicJwk.kid!, JSON.stringify(publicJwk)),
    'the wrong issuer': await hs(claims({ iss: 'https://evil.example' })),
    'the wrong audience': await hs(claims({ aud: 'evil' })),
    'an expired token': await hs(claims({ iat: seconds - 7200, exp: seconds - 3600 })),
    'a token not valid yet': await hs(claims({ nbf: seconds + 3600 })),
  };
  const crawlers = {
    Googlebot: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
    'Googlebot-News': 'Googlebot-News',
    bingbot: 'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
    facebookexternalhit: 'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)',
    Twitterbot: 'Twitterbot/1.0',
  };
  personas.push(
    { name: 'an anonymous reader with the allowance used', headers: {}, cookies: { [COOKIES.meter]: meter }, meter: true },
    { name: 'a reader with no cookies (premium only)', headers: {}, cookies: {}, meter: false },
    { name: 'a forged meter', headers: {}, cookies: { [COOKIES.meter]: `${meter.slice(0, -4)}AAAA` }, meter: true },
    { name: 'a meter that is not a JWT', headers: {}, cookies: { [COOKIES.meter]: '{"m":"2026-11","r":[]}' }, meter: true },
    ...Object.entries(crawlers).map(([name, agent]) => ({ name, headers: { 'User-Agent': agent }, cookies: { [COOKIES.meter]: meter }, meter: true })),
    ...['https://www.google.com/', 'https://news.google.com/', 'https://t.co/x', 'https://www.facebook.com/'].map((referer) => ({
      name: `Referer ${referer}`,
      headers: { Referer: referer },
      cookies: { [COOKIES.meter]: meter },
      meter: true,
    })),
    {
      name: 'forged client addresses',
      headers: { 'X-Forwarded-For': '66.249.66.1', 'CF-Connecting-IP': '66.249.66.1', 'X-Real-IP': '66.249.66.1', Forwarded: 'for=66.249.66.1' },
      cookies: { [COOKIES.meter]: meter },
      meter: true,
    },
    ...Object.entries(tokens).map(([name, token]) => ({ name, headers: {}, cookies: { [COOKIES.session]: token, [COOKIES.meter]: meter }, meter: true })),
  );
});

function spellings(path: string): string[] {
  const slug = path.slice('/stories/'.length, -1);
  return [
    path,
    path.slice(0, -1),
    `${path}index.html`,
    path.toUpperCase(),
    `/Stories/${slug}/`,
    `//stories//${slug}//`,
    `/stories/${[...slug].map((char) => `%${char.charCodeAt(0).toString(16)}`).join('')}/`,
    `/stories/./${slug}/`,
    `/stories/x/../${slug}/`,
    `/stories/%2e%2e/stories/${slug}/`,
    `/full${path}`,
    `/full${path}index.html`,
    `/%66ull${path}`,
    `/FULL${path}`,
    `${path}?full=1&preview=subscriber`,
  ];
}

const variants: { name: string; init: RequestInit }[] = [
  { name: 'GET', init: {} },
  { name: 'HEAD', init: { method: 'HEAD' } },
  { name: 'Range', init: { headers: { Range: 'bytes=0-' } } },
  { name: 'If-None-Match', init: { headers: { 'If-None-Match': '*' } } },
];

async function ask(path: string, persona: Persona, variant: (typeof variants)[number]) {
  const headers = { ...persona.headers, ...(variant.init.headers as Record<string, string> | undefined) };
  if (Object.keys(persona.cookies).length) headers['Cookie'] = cookie(persona.cookies);
  return request(path, { ...variant.init, headers });
}

describe('no locked sentence reaches a reader who may not read it', () => {
  it('through any built file', async () => {
    expect(env.TEST_BUILT_FILES.length).toBeGreaterThan(20);
    for (const persona of personas) {
      const stories = persona.meter ? lockedStories : lockedStories.filter((story) => story.access === 'premium');
      for (const file of env.TEST_BUILT_FILES) {
        for (const variant of variants) {
          const answer = await ask(file, persona, variant);
          expect(answer.statuses.every((status) => status < 500), `${persona.name} ${variant.name} ${file}`).toBe(true);
          expect(leaksIn(answer.text, stories), `${persona.name} ${variant.name} ${file}`).toEqual([]);
        }
      }
    }
  });

  it('through any spelling of any story', async () => {
    for (const persona of personas) {
      const stories = persona.meter ? lockedStories : lockedStories.filter((story) => story.access === 'premium');
      for (const story of stories) {
        for (const path of spellings(story.path)) {
          for (const variant of variants) {
            const answer = await ask(path, persona, variant);
            const where = `${persona.name} ${variant.name} ${path}`;
            expect(answer.statuses.every((status) => status < 500), where).toBe(true);
            expect(leaksIn(answer.text, [story]), where).toEqual([]);
          }
        }
      }
    }
  });

  it('while a subscriber gets every locked sentence, so the checks above can fail', async () => {
    const token = await signSession(
      { subject: 'subscriber', plan: plansFile.plans.at(-1)!.id, planEnds: new Date((seconds + day) * 1000), lifetime: 3600 },
      await sessionKeys(env),
      new Date(),
    );
    for (const story of lockedStories) {
      for (const path of spellings(story.path).filter((spelling) => !/full|%66ull/i.test(spelling))) {
        const answer = await request(path, { headers: { Cookie: cookie({ [COOKIES.session]: token }) } });
        expect(leaksIn(answer.text, [story]), path).toEqual(story.lockedSentences);
      }
    }
  });
});

// Gift links and private feed addresses are secrets in URLs. Each probe below is one a stranger
// could try: a real link edited, cut, padded, moved to another story, expired or withdrawn; a
// feed address guessed, cut, or replaced. None may open locked text. A valid link and a valid
// address do, which is what shows the probes could find a leak.
describe('no locked sentence reaches a stranger through a gift link or a feed address', () => {
  const outbox = new Outbox();
  const spentMeter = { Cookie: '' };
  let given: ManifestStory;
  let gift: string;
  let giftId: string;
  let feed: string;
  let giverAccount: string;
  const storyFor = (story: ManifestStory) => lockedStories.find((candidate) => candidate.path === story.path)!;

  beforeAll(async () => {
    spentMeter.Cookie = cookie({ [COOKIES.meter]: await usedUpMeter() });
    given = await storyWith('premium');
    const { reader, accountId } = await subscriber(outbox, 'leaks');
    giverAccount = accountId;
    gift = new URL(await giftFrom(reader), 'https://x.invalid').searchParams.get(GIFT_PARAM)!;
    giftId = (await env.DB.prepare('SELECT id FROM gifts WHERE account_id = ?').bind(accountId).first<string>('id'))!;
    feed = await feedFrom(reader);
  });

  /** A new gift of the given story, made on the story's form: the link's path and query. */
  const giftFrom = async (reader: Reader) => {
    const made = await (await reader.post(PAGES.gifts, { story: given.path, title: 'Probe' })).text();
    const link = new URL(/value="([^"]+)"[^>]*data-gift="link"/.exec(made)![1]!.replaceAll('&amp;', '&'));
    return `${link.pathname}${link.search}`;
  };
  /** A new feed address for the subscriber, made on the account page: its path. */
  const feedFrom = async (reader: Reader) => {
    const page = await (await reader.post(PAGES.feed, {})).text();
    return new URL(new RegExp(`value="(https?://[^"]+${FEEDS_PREFIX}[^"]+)"`).exec(page)![1]!).pathname;
  };

  const probe = async (path: string, stories = lockedStories) => {
    const answer = await request(path, { headers: spentMeter });
    expect(answer.statuses.every((status) => status < 500), path).toBe(true);
    // A feed is XML holding escaped HTML: read it twice to get the text a feed reader shows.
    expect(leaksIn(textOf(answer.text), stories), path).toEqual([]);
  };

  it('with a gift link edited, cut, padded, re-signed, or moved to another story', async () => {
    const otherKey = await sign('an-attackers-own-secret-that-is-long-enough', 'gift', { g: giftId, p: given.path }, 3600);
    const forged = [gift.slice(0, -1), gift.slice(0, -10), `${gift}A`, `${gift}%3D`, edited(gift), otherKey, gift.split('.').slice(0, 2).join('.') + '.'];
    for (const value of forged) {
      for (const path of [given.path, given.path.toUpperCase(), `${given.path}index.html`]) await probe(`${path}?${GIFT_PARAM}=${encodeURIComponent(value)}`, [storyFor(given)]);
    }
    for (const story of lockedStories.filter((candidate) => candidate.path !== given.path)) {
      await probe(`${story.path}?${GIFT_PARAM}=${gift}`, [story]);
      await probe(`/full${story.path}?${GIFT_PARAM}=${gift}`, [story]);
    }
    await probe(`/full${given.path}?${GIFT_PARAM}=${gift}`, [storyFor(given)]);
  });

  it('with a gift link past its time', async () => {
    const days = settings.gifts.days * day;
    const expired = await giftLink(env.SIGNING_SECRET, 'https://x.invalid', { id: giftId, story_path: given.path, created_at: seconds - days - 60, expires_at: seconds - 60 });
    await probe(new URL(expired).pathname + new URL(expired).search, [storyFor(given)]);
  });

  it('with a feed address guessed, cut or padded', async () => {
    const token = feed.slice(FEEDS_PREFIX.length, -'.xml'.length);
    const guesses = [token.slice(0, -1), `${token}A`, edited(token), token.toLowerCase(), 'A'.repeat(43), '', `${token}.xml`];
    for (const guess of guesses) await probe(`${FEEDS_PREFIX}${guess}.xml`);
    await probe(feed.replace(/\.xml$/, ''));
    await probe(`${feed}/`);
  });

  it('while the valid link and address carry the locked text, so the checks above can fail', async () => {
    const opened = await request(`${given.path}?${GIFT_PARAM}=${gift}`, { headers: spentMeter });
    expect(leaksIn(opened.text, [storyFor(given)])).toEqual(storyFor(given).lockedSentences);
    const read = textOf((await request(feed)).text);
    const inFeed = lockedStories.filter((story) => leaksIn(read, [story]).length > 0);
    expect(inFeed.length).toBeGreaterThan(0);
    for (const story of inFeed) expect(leaksIn(read, [story]), story.path).toEqual(story.lockedSentences);
  });

  it('and neither works once withdrawn, reset or the subscription has ended', async () => {
    const { reader } = await subscriber(outbox, 'leaks-reset');
    const link = await giftFrom(reader);
    const id = /name="gift" value="([^"]+)"/.exec(await (await reader.get(PAGES.account)).text())![1]!;
    await reader.post(PAGES.revokeGift, { gift: id });
    await probe(link, [storyFor(given)]);
    const before = await feedFrom(reader);
    await feedFrom(reader);
    await probe(before);
    await endSubscription(giverAccount);
    await probe(`${given.path}?${GIFT_PARAM}=${gift}`, [storyFor(given)]);
    await probe(feed);
  });
});
