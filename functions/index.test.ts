import { env } from 'cloudflare:workers';
import { COOKIES, MANIFEST_PREFIX, manifestIndexPath, manifestShardPath } from '../src/paywall/contract.ts';
import { SignJWT, UnsecuredJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { assetsWith } from '../test/edge/assets.ts';
import { builtText, FAILING_BUCKETS } from '../test/edge/archive.ts';
import { forgetKeptBodies } from './archive/index.ts';
import { paywalledPartOf, sentencesOf, textOf } from '../test/html.ts';
import { readWholeManifest, type ManifestStory } from '../src/paywall/manifest.ts';
import { settings } from '../src/paywall/settings.ts';
import { app } from './index.ts';
import { usedUpMeter } from '../test/edge/publication.ts';
import { signSession } from './session/index.ts';
import { sessionKeys } from './session/keys.ts';
import { plansFile } from '../src/paywall/plans.ts';

// These run the real Worker on the real build (dist/) inside workerd. `npm test` builds first.
const origin = new URL(settings.url).origin;
const day = 86_400_000;
let manifest: Awaited<ReturnType<typeof readWholeManifest>>;
const locked: Record<string, string[]> = {};
const byAccess = (access: ManifestStory['access']) => manifest.stories.find((story) => story.access === access)!;

beforeAll(async () => {
  manifest = await readWholeManifest(async (path) => (await env.ASSETS.fetch(`${origin}${path}`)).json());
  for (const story of manifest.stories.filter((entry) => entry.fullPath)) {
    const html = await builtText(story.fullPath!);
    locked[story.path] = sentencesOf(textOf(paywalledPartOf(html)));
    expect(locked[story.path]!.length, `${story.path} has locked sentences to look for`).toBeGreaterThan(0);
  }
});

async function get(path: string, headers: Record<string, string> = {}, bindings: Env = env) {
  const response = await app.request(`${origin}${path}`, { headers }, bindings);
  return { response, body: await response.text() };
}

function leaked(path: string, body: string): string[] {
  const text = textOf(body);
  return locked[path]!.filter((sentence) => text.includes(sentence));
}

const session = async (plan = plansFile.plans[0]!.id, planEnds = new Date(Date.now() + 30 * day)) =>
  signSession({ subject: 'test-reader', plan, planEnds, lifetime: 3600 }, await sessionKeys(env), new Date());
const cookies = (pairs: Record<string, string>) =>
  Object.entries(pairs).map(([name, value]) => `${name}=${value}`).join('; ');

describe('guarded files', () => {
  it.each(['/full/stories/x/', manifestIndexPath(), manifestShardPath(0), '/%66ull/stories/x/', '/FULL/stories/x/'])(
    'answers %s with the 404 page',
    async (path) => {
      const real = path.replace('/x/', `${byAccess('premium').path.replace('/stories', '')}`);
      const { response, body } = await get(real);
      expect(response.status).toBe(404);
      expect(body).toContain('could not find that page');
    },
  );

  it('does not serve the full text to a subscriber who asks for the file directly', async () => {
    const premium = byAccess('premium');
    const { response, body } = await get(premium.fullPath!, { Cookie: cookies({ [COOKIES.session]: await session() }) });
    expect(response.status).toBe(404);
    expect(leaked(premium.path, body)).toEqual([]);
  });
});

describe('anonymous readers', () => {
  it('read free stories in full, uncounted', async () => {
    const { response } = await get(byAccess('free').path);
    expect(response.status).toBe(200);
    expect(response.headers.get('Set-Cookie')).toBeNull();
  });

  it('read a metered story in full with a notice, and the meter counts it', async () => {
    const metered = byAccess('metered');
    const { response, body } = await get(metered.path);
    expect(response.status).toBe(200);
    expect(leaked(metered.path, body)).toEqual(locked[metered.path]);
    expect(body).toContain(`You have ${settings.freeStoriesPerMonth - 1} free stories left this month.`);
    expect(response.headers.get('Cache-Control')).toBe('private, no-store');
    expect(response.headers.get('Set-Cookie')).toMatch(new RegExp(`^${COOKIES.meter}=[^;]+; Max-Age=\\d+; Path=/; HttpOnly; Secure; SameSite=Lax$`));
  });

  it('do not spend a free story on a HEAD request', async () => {
    const metered = byAccess('metered');
    const response = await app.request(`${origin}${metered.path}`, { method: 'HEAD' }, env);
    expect(response.status).toBe(200);
    expect(response.headers.get('Set-Cookie')).toBeNull();
  });

  it('get the teaser and the premium message on a premium story', async () => {
    const premium = byAccess('premium');
    const { response, body } = await get(premium.path);
    expect(response.status).toBe(200);
    expect(leaked(premium.path, body)).toEqual([]);
    expect(body).toMatch(/data-wall-reason="premium">/);
    expect(body).not.toContain('data-wall-reason="limit"');
    expect(response.headers.get('Vary')).toContain('Cookie');
    expect(response.headers.get('Set-Cookie')).toBeNull();
  });
});

describe('subscribers', () => {
  it('read every story in full, with no meter and no wall', async () => {
    const cookie = cookies({ [COOKIES.session]: await session() });
    for (const story of manifest.stories.filter((entry) => entry.fullPath)) {
      const { response, body } = await get(story.path, { Cookie: cookie });
      expect(leaked(story.path, body), story.path).toEqual(locked[story.path]);
      expect(body).not.toContain('data-wall-reason');
      expect(body).not.toContain('data-meter-notice');
      expect(response.headers.get('Cache-Control')).toBe('private, no-store');
      expect(response.headers.get('Set-Cookie')).toBeNull();
    }
  });

  it('see the renewal message once the subscription has ended', async () => {
    const premium = byAccess('premium');
    const cookie = cookies({ [COOKIES.session]: await session(plansFile.plans[0]!.id, new Date(Date.now() - day)) });
    const { body } = await get(premium.path, { Cookie: cookie });
    expect(leaked(premium.path, body)).toEqual([]);
    expect(body).toMatch(/data-wall-reason="lapsed">/);
  });
});

describe('tokens that must not unlock anything', async () => {
  const secret = env.SESSION_SECRETS.split(',')[0]!.split(':') as [string, string];
  const claims = () => ({
    iss: settings.session.issuer,
    aud: settings.session.audience,
    sub: 'x',
    iat: Math.floor(Date.now() / 1000),
    exp: Math.floor(Date.now() / 1000) + 3600,
    plan: plansFile.plans[0]!.id,
    plan_ends: Math.floor(Date.now() / 1000) + 86_400,
  });
  const sign = (payload: object, header: { alg: string; kid?: string } = { alg: 'HS256', kid: secret[0] }, key = secret[1]) =>
    new SignJWT({ ...payload }).setProtectedHeader(header).sign(new TextEncoder().encode(key));
  const now = Math.floor(Date.now() / 1000);
  const tokens: [string, () => Promise<string> | string][] = [
    ['a wrong signature', () => sign(claims(), undefined, 'someone-elses-secret-that-is-long-enough-000')],
    ['alg none', () => new UnsecuredJWT(claims()).encode()],
    ['HS384, outside the allow-list', () => sign(claims(), { alg: 'HS384', kid: secret[0] })],
    ['the wrong issuer', () => sign({ ...claims(), iss: 'https://evil.example' })],
    ['the wrong audience', () => sign({ ...claims(), aud: 'evil' })],
    ['an expired token', () => sign({ ...claims(), exp: now - 600 })],
    ['a token not valid yet', () => sign({ ...claims(), nbf: now + 600 })],
    ['garbage', () => 'garbage'],
    ['an oversized cookie', () => 'e'.repeat(8000)],
  ];

  it.each(tokens)('%s gets the teaser with status 200', async (_, make) => {
    const token = await make();
    const meter = await usedUpMeter();
    for (const story of [byAccess('premium'), byAccess('metered')]) {
      const { response, body } = await get(story.path, { Cookie: cookies({ [COOKIES.session]: token, [COOKIES.meter]: meter }) });
      expect(response.status).toBe(200);
      expect(leaked(story.path, body), story.path).toEqual([]);
      expect(body).toContain('data-wall-reason');
    }
  });
});

describe('headers grant nothing', () => {
  it.each([
    { 'User-Agent': 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' },
    { Referer: 'https://www.google.com/' },
    { 'X-Forwarded-For': '66.249.66.1' },
    { 'CF-Connecting-IP': '66.249.66.1' },
  ])('%j', async (headers) => {
    const premium = byAccess('premium');
    const { body } = await get(premium.path, headers);
    expect(leaked(premium.path, body)).toEqual([]);
  });
});

describe('the edge fails closed', () => {
  it('serves the teaser when the meter secret is missing', async () => {
    const metered = byAccess('metered');
    const { response, body } = await get(metered.path, {}, { ...env, METER_SECRET: '' });
    expect(response.status).toBe(200);
    expect(leaked(metered.path, body)).toEqual([]);
    expect(body).toContain('data-wall-reason');
  });

  it('still serves subscribers when the meter secret is missing', async () => {
    const metered = byAccess('metered');
    const cookie = cookies({ [COOKIES.session]: await session() });
    const { body } = await get(metered.path, { Cookie: cookie }, { ...env, METER_SECRET: '' });
    expect(leaked(metered.path, body)).toEqual(locked[metered.path]);
  });

  it('serves the teaser when the session keys are misconfigured', async () => {
    const premium = byAccess('premium');
    const cookie = cookies({ [COOKIES.session]: await session() });
    const { response, body } = await get(premium.path, { Cookie: cookie }, { ...env, SESSION_SECRETS: 'broken' });
    expect(response.status).toBe(200);
    expect(leaked(premium.path, body)).toEqual([]);
  });

  it.each(FAILING_BUCKETS)('serves the teaser when the archive fails with %s', async (_, bucket) => {
    const premium = byAccess('premium');
    const cookie = cookies({ [COOKIES.session]: await session() });
    forgetKeptBodies();
    const { response, body } = await get(premium.path, { Cookie: cookie }, { ...env, ARCHIVE: bucket } as Env);
    expect(response.status).toBe(200);
    expect(leaked(premium.path, body)).toEqual([]);
    expect(body).toContain('data-wall-reason');
    // The same request with the build's bucket is the full story, so the failure above is what made the teaser.
    expect(leaked(premium.path, (await get(premium.path, { Cookie: cookie })).body)).toEqual(locked[premium.path]);
  });

  it('serves the teaser when the archive list cannot be read', async () => {
    const failing = assetsWith(env.ASSETS, (path) => (path.startsWith(`${MANIFEST_PREFIX}/archive/`) ? new Response('', { status: 500 }) : undefined));
    const premium = byAccess('premium');
    const cookie = cookies({ [COOKIES.session]: await session() });
    const { response, body } = await get(premium.path, { Cookie: cookie }, { ...env, ASSETS: failing });
    expect(response.status).toBe(200);
    expect(leaked(premium.path, body)).toEqual([]);
    expect(body).toContain('data-wall-reason');
  });

  it('reads the manifest again after a malformed read, instead of keeping the failure for the isolate', async () => {
    let malformed = true;
    const flaky = assetsWith(env.ASSETS, (path) => (malformed && path === manifestIndexPath() ? Response.json({ version: 2 }) : undefined));
    const premium = byAccess('premium');
    const cookie = cookies({ [COOKIES.session]: await session() });
    const first = await get(premium.path, { Cookie: cookie }, { ...env, ASSETS: flaky });
    expect(leaked(premium.path, first.body)).toEqual([]);
    malformed = false;
    const second = await get(premium.path, { Cookie: cookie }, { ...env, ASSETS: flaky });
    expect(leaked(premium.path, second.body)).toEqual(locked[premium.path]);
  });

  // The index and the shard are read separately; either one missing must end at the public file.
  it.each([
    ['the manifest is missing', (path: string) => path.startsWith(`${MANIFEST_PREFIX}/`)],
    ["the story's shard is missing", (path: string) => path.startsWith(`${MANIFEST_PREFIX}/`) && path !== manifestIndexPath()],
  ])('serves only public files when %s', async (_, missing) => {
    const noManifest = assetsWith(env.ASSETS, (path) => (missing(path) ? new Response('', { status: 404 }) : undefined));
    const premium = byAccess('premium');
    const cookie = cookies({ [COOKIES.session]: await session() });
    const { response, body } = await get(premium.path, { Cookie: cookie }, { ...env, ASSETS: noManifest });
    expect(response.status).toBe(200);
    expect(leaked(premium.path, body)).toEqual([]);
  });
});
