import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { HASH_METADATA, type ArchivedObject, type ArchiveIndex, type ArchiveShard } from '../../src/paywall/archive.ts';
import { archiveIndexPath, archiveShardPath, COOKIES, isSearchFragmentPath } from '../../src/paywall/contract.ts';
import { paywalledPartOf, sentencesOf, textOf } from '../../test/html.ts';
import { builtBytes, builtText, FAILING_BUCKETS } from '../../test/edge/archive.ts';
import { assetsWith } from '../../test/edge/assets.ts';
import { ORIGIN } from '../../test/edge/client.ts';
import { builtManifest, storyWith, usedUpMeter } from '../../test/edge/publication.ts';
import { app } from '../index.ts';
import { signSession } from '../session/index.ts';
import { sessionKeys } from '../session/keys.ts';
import { plansFile } from '../../src/paywall/plans.ts';
import { forgetKeptBodies } from './index.ts';

// The R2 archive under the real Worker and the real build. The demo build keeps every story's
// public page in the assets (they are recent), so these tests move some into a test archive of
// their own: the archive list the assets hold is extended with them, and their bodies are put in
// the bucket under keys of their own, as a build with an earlier cut-off would have them.

async function hashOf(body: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', body));
  return btoa(String.fromCharCode(...digest)).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

/** The build's whole archive list, read from the assets. */
async function builtArchiveList(): Promise<Record<string, ArchivedObject>> {
  const index = (await (await env.ASSETS.fetch(`${ORIGIN}${archiveIndexPath()}`)).json()) as ArchiveIndex;
  const shards = await Promise.all(
    Array.from({ length: index.shards }, async (_, shard) => (await (await env.ASSETS.fetch(`${ORIGIN}${archiveShardPath(shard)}`)).json()) as ArchiveShard),
  );
  return Object.assign({}, ...shards.map((shard) => shard.objects));
}

/**
 * Assets whose archive list also names `paths` (public files of the build), with each one's body
 * put in the bucket: the Worker must now serve them from R2. Returns the assets and each object.
 */
async function archiving(paths: string[]): Promise<{ assets: Fetcher; objects: Record<string, ArchivedObject> }> {
  const objects: Record<string, ArchivedObject> = {};
  for (const path of paths) {
    const body = await builtBytes(path);
    const object: ArchivedObject = {
      key: `test-archive${path}${path.endsWith('/') ? 'index.html' : ''}`,
      hash: await hashOf(body),
      size: body.byteLength,
      type: path.endsWith('/') ? 'text/html; charset=utf-8' : 'application/octet-stream',
    };
    await env.ARCHIVE.put(object.key, body, { httpMetadata: { contentType: object.type }, customMetadata: { [HASH_METADATA]: object.hash } });
    objects[path] = object;
  }
  const list: ArchiveShard = { version: 1, objects: { ...(await builtArchiveList()), ...objects } };
  const assets = assetsWith(env.ASSETS, (path) => {
    if (path === archiveIndexPath()) return Response.json({ version: 1, shards: 1 } satisfies ArchiveIndex);
    if (path === archiveShardPath(0)) return Response.json(list);
    // The public files moved: the assets no longer have them, as after the build's split.
    if (path in objects) return new Response('Not found', { status: 404 });
    return undefined;
  });
  return { assets, objects };
}

const day = 86_400_000;
const subscriberCookie = async () =>
  `${COOKIES.session}=${await signSession({ subject: 'archive-reader', plan: plansFile.plans[0]!.id, planEnds: new Date(Date.now() + 30 * day), lifetime: 3600 }, await sessionKeys(env), new Date())}`;

async function get(path: string, bindings: Env, headers: Record<string, string> = {}, method = 'GET') {
  const response = await app.request(`${ORIGIN}${path}`, { method, headers }, bindings);
  return { response, body: await response.text() };
}

async function lockedSentencesOf(path: string): Promise<string[]> {
  const story = (await builtManifest()).stories.find((entry) => entry.path === path)!;
  return sentencesOf(textOf(paywalledPartOf(await builtText(story.fullPath!))));
}

const leaked = (body: string, sentences: string[]) => sentences.filter((sentence) => textOf(body).includes(sentence));

describe('full-text pages', () => {
  it('live in the archive only: the list names each one, and the assets do not have it', async () => {
    const list = await builtArchiveList();
    const locked = (await builtManifest()).stories.filter((story) => story.fullPath);
    expect(locked.length).toBeGreaterThan(0);
    for (const story of locked) {
      expect(list[story.fullPath!], story.path).toBeDefined();
      expect((await env.ASSETS.fetch(`${ORIGIN}${story.fullPath}index.html`)).status, story.path).not.toBe(200);
    }
  });

  it.each(FAILING_BUCKETS)('end at the teaser when the archive fails with %s, and nothing is kept from the failure', async (_, bucket) => {
    const premium = await storyWith('premium');
    const sentences = await lockedSentencesOf(premium.path);
    const cookie = await subscriberCookie();
    forgetKeptBodies();
    const failed = await get(premium.path, { ...env, ARCHIVE: bucket } as Env, { Cookie: cookie });
    expect(failed.response.status).toBe(200);
    expect(failed.body).toContain('data-wall-reason');
    expect(leaked(failed.body, sentences)).toEqual([]);
    const served = await get(premium.path, env, { Cookie: cookie });
    expect(leaked(served.body, sentences)).toEqual(sentences);
  });

  it('are kept in the isolate as built, so one reader\'s page never reaches another', async () => {
    const premium = await storyWith('premium');
    const sentences = await lockedSentencesOf(premium.path);
    forgetKeptBodies();
    const subscriber = await get(premium.path, env, { Cookie: await subscriberCookie() });
    expect(leaked(subscriber.body, sentences)).toEqual(sentences);
    // With the bucket failing, only what the isolate kept can answer: the subscriber still reads,
    // and an anonymous reader of the same story gets the teaser.
    const down = { ...env, ARCHIVE: FAILING_BUCKETS[0]![1] } as Env;
    expect(leaked((await get(premium.path, down, { Cookie: await subscriberCookie() })).body, sentences)).toEqual(sentences);
    const anonymous = await get(premium.path, down);
    expect(anonymous.body).toContain('data-wall-reason');
    expect(leaked(anonymous.body, sentences)).toEqual([]);
    expect(anonymous.response.headers.get('Cache-Control')).not.toContain('private');
    expect(subscriber.response.headers.get('Cache-Control')).toBe('private, no-store');
  });
});

describe('an old story\'s public page in the archive', () => {
  it('is served as the asset was: its type, an ETag, revalidated, a 304 without reading R2, no body for HEAD', async () => {
    const free = await storyWith('free');
    const { assets, objects } = await archiving([free.path]);
    // What the asset server answers for a page, to compare the archive's answer with.
    const asset = await env.ASSETS.fetch(`${ORIGIN}/`);
    const assetBody = await builtText(free.path);
    // Live keys, so no test-mode banner is added to the page compared.
    const bindings = { ...env, ASSETS: assets, STRIPE_SECRET_KEY: 'sk_live_x', RAZORPAY_KEY_ID: 'rzp_live_x' };
    forgetKeptBodies();
    const { response, body } = await get(free.path, bindings);
    expect(response.status).toBe(200);
    expect(body).toBe(assetBody);
    expect(response.headers.get('Content-Type')).toBe(asset.headers.get('Content-Type'));
    expect(response.headers.get('Cache-Control')).toBe(asset.headers.get('Cache-Control'));
    const etag = response.headers.get('ETag')!;
    expect(etag).toBe(`"${objects[free.path]!.hash}"`);

    const unread = { ...bindings, ARCHIVE: FAILING_BUCKETS[0]![1] } as Env;
    const again = await get(free.path, unread, { 'If-None-Match': etag });
    expect(again.response.status).toBe(304);
    expect(again.body).toBe('');
    const head = await get(free.path, bindings, {}, 'HEAD');
    expect(head.response.status).toBe(200);
    expect(head.body).toBe('');
  });

  it.each(FAILING_BUCKETS)('is the safe 503 page, without the story, when the archive fails with %s', async (_, bucket) => {
    const free = await storyWith('free');
    const { assets } = await archiving([free.path]);
    forgetKeptBodies();
    const { response, body } = await get(free.path, { ...env, ASSETS: assets, ARCHIVE: bucket } as Env);
    expect(response.status).toBe(503);
    expect(body).toContain('not available');
    expect(body).not.toContain('<article');
  });

  it('makes a metered story\'s teaser with its own validator, and serves the full text through the meter', async () => {
    const metered = await storyWith('metered');
    const sentences = await lockedSentencesOf(metered.path);
    const { assets, objects } = await archiving([metered.path]);
    const bindings = { ...env, ASSETS: assets };
    forgetKeptBodies();

    // A reader whose free stories are used up gets the teaser, validated by the archived page's hash.
    const used = await usedUpMeter();
    const teaser = await get(metered.path, bindings, { Cookie: `${COOKIES.meter}=${used}` });
    expect(teaser.response.status).toBe(200);
    expect(teaser.body).toContain('data-wall-reason');
    expect(leaked(teaser.body, sentences)).toEqual([]);
    const etag = teaser.response.headers.get('ETag')!;
    expect(etag).toContain(objects[metered.path]!.hash);
    expect((await get(metered.path, bindings, { Cookie: `${COOKIES.meter}=${used}`, 'If-None-Match': etag })).response.status).toBe(304);

    // A new reader, within the allowance, reads it in full.
    const first = await get(metered.path, bindings);
    expect(leaked(first.body, sentences)).toEqual(sentences);
    expect(first.response.headers.get('Set-Cookie')).toContain(COOKIES.meter);
  });
});

describe('search fragments', () => {
  it('of an archived story are served from R2, byte for byte, and the others from the assets', async () => {
    // Any fragment of the build will do: found through the files the build wrote.
    const fragment = env.TEST_BUILT_FILES.find(isSearchFragmentPath)!;
    expect(fragment).toBeDefined();
    const bytes = await builtBytes(fragment);
    const { assets } = await archiving([fragment]);
    forgetKeptBodies();
    const response = await app.request(`${ORIGIN}${fragment}`, {}, { ...env, ASSETS: assets });
    expect(response.status).toBe(200);
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(bytes);
    forgetKeptBodies();
    const failing = await app.request(`${ORIGIN}${fragment}`, {}, { ...env, ASSETS: assets, ARCHIVE: FAILING_BUCKETS[1]![1] } as Env);
    expect(failing.status).toBe(503);
  });
});
