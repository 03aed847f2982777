// The R2 archive over HTTP, as `npm start` serves it: the real build, split again with a cut-off
// that makes some of its own stories old, served by `wrangler dev` with its local R2 filled from
// that split (scripts/local-site.ts). Stories come from the build's manifest, never by name.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signSession } from '../functions/session/index.ts';
import { sessionKeys } from '../functions/session/keys.ts';
import { deployManifestPath, objectsDir, splitArchive, unsplitCopy } from '../scripts/archive.ts';
import { startLocalSite, type LocalSite } from '../scripts/local-site.ts';
import type { DeployManifest } from '../src/paywall/archive.ts';
import { archiveIndexPath, COOKIES } from '../src/paywall/contract.ts';
import { readWholeManifest, type ManifestStory } from '../src/paywall/manifest.ts';
import { plansFile } from '../src/paywall/plans.ts';
import { largestAllowance } from '../src/paywall/access.ts';
import { allowancesOf } from '../src/paywall/settings.ts';
import { sourceStories } from './content.ts';
import { meterHolding } from './meter.ts';
import { ARCHIVE, DIST } from './dist.ts';
import { textOf } from './html.ts';

const DAY = 86_400;
const lockedSentences = new Map(sourceStories().map((story) => [story.path, story.lockedSentences]));

let scratch: string;
let site: LocalSite;
/** A metered story older than the cut-off, whose objects are all in the bucket. */
let old: ManifestStory;
/** Another locked story older than the cut-off, whose full text the bucket has lost. */
let lost: ManifestStory;
let dist: string;
let archive: string;

const fileOf = (path: string) => `${path.slice(1)}index.html`;

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'presswall-archive-journey-'));
  dist = join(scratch, 'dist');
  archive = join(scratch, 'dist-r2');
  // The build as astro and Pagefind left it: the assets, with the archive's objects put back.
  unsplitCopy({ dist: DIST, archive: ARCHIVE }, dist);

  const now = Date.now() / 1000;
  const { stories } = await readWholeManifest(async (path) => JSON.parse(readFileSync(join(dist, path), 'utf8')));
  const published = stories.filter((story) => story.publishAt <= now).sort((a, b) => a.publishAt - b.publishAt);
  const metered = published.find((story) => story.access === 'metered');
  const other = published.find((story) => story.fullPath && story !== metered);
  if (!metered || !other) throw new Error('The publication under test needs a published metered story and another locked one');
  [old, lost] = [metered, other];
  // Days so that both are older than the cut-off: every story at least this old goes to the archive.
  const afterDays = Math.floor((now - Math.max(old.publishAt, lost.publishAt)) / DAY);
  const split = await splitArchive({ dist, archive, afterDays, now });
  expect(split.archivedStories).toBeGreaterThanOrEqual(2);

  // The bucket loses one object: the list in the assets still names it, as after a failed upload.
  const manifest = JSON.parse(readFileSync(deployManifestPath(archive), 'utf8')) as DeployManifest;
  delete manifest.objects[fileOf(lost.fullPath!)];
  writeFileSync(deployManifestPath(archive), JSON.stringify(manifest));

  // Every reader in every control (as test/server.ts has it), so the allowance is the site's.
  site = await startLocalSite({ name: 'presswall-archive-journey', testProvider: false, build: { dist, archive }, vars: { EXPERIMENTS: 'off' } });
}, 180_000);

afterAll(async () => {
  await site?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

async function get(path: string, cookie?: string) {
  const response = await fetch(new URL(path, site.url), { headers: cookie ? { Cookie: cookie } : {} });
  return { response, text: textOf(await response.text()) };
}

async function subscriberCookie(): Promise<string> {
  const keys = await sessionKeys(parseEnv(readFileSync('.dev.vars', 'utf8')));
  const token = await signSession({ subject: 'archive-journey', plan: plansFile.plans[0]!.id, planEnds: new Date(Date.now() + 30 * DAY * 1000), lifetime: 3600 }, keys, new Date());
  return `${COOKIES.session}=${token}`;
}

const shows = (text: string, story: ManifestStory) => lockedSentences.get(story.path)!.filter((sentence) => text.includes(sentence));

describe('a story older than the cut-off', () => {
  it('is in the archive, not in the static assets', () => {
    for (const file of [fileOf(old.path), fileOf(old.fullPath!)]) {
      expect(existsSync(join(dist, file)), file).toBe(false);
      expect(existsSync(join(objectsDir(archive), file)), file).toBe(true);
    }
    expect(lockedSentences.get(old.path)!.length).toBeGreaterThan(0);
  });

  it('is served by a site whose Worker still runs first for every file of the other build', async () => {
    for (const path of [old.fullPath!, archiveIndexPath()]) expect((await get(path, await subscriberCookie())).response.status, path).toBe(404);
  });

  it('is the full story for a subscriber', async () => {
    const subscriber = await get(old.path, await subscriberCookie());
    expect(subscriber.response.status).toBe(200);
    expect(shows(subscriber.text, old)).toEqual(lockedSentences.get(old.path));
    expect(subscriber.response.headers.get('Cache-Control')).toBe('private, no-store');
  });

  it('is read in full through the meter, within the allowance', async () => {
    const first = await get(old.path);
    expect(first.response.status).toBe(200);
    expect(first.response.headers.get('Set-Cookie')).toContain(COOKIES.meter);
    expect(shows(first.text, old)).toEqual(lockedSentences.get(old.path));
  });

  it('is the teaser, without the locked text, for an anonymous reader with no free stories left', async () => {
    const used = await meterHolding(largestAllowance(allowancesOf()), parseEnv(readFileSync('.dev.vars', 'utf8'))['METER_SECRET']!);
    const { response, text } = await get(old.path, `${COOKIES.meter}=${used}`);
    expect(response.status).toBe(200);
    expect(shows(text, old)).toEqual([]);
    expect(text).toContain('Subscribe');
    // Made from the archive's object (its validator is the object's hash), and revalidated by it as an asset's teaser is.
    const etag = response.headers.get('ETag')!;
    const built = JSON.parse(readFileSync(deployManifestPath(archive), 'utf8')) as DeployManifest;
    expect(etag).toContain(built.objects[fileOf(old.path)]!.hash);
    const again = await fetch(new URL(old.path, site.url), { headers: { Cookie: `${COOKIES.meter}=${used}`, 'If-None-Match': etag } });
    expect(again.status).toBe(304);
  });
});

describe('when R2 fails', () => {
  it('a subscriber gets the teaser of a story whose full text the bucket lacks, never the text', async () => {
    expect(existsSync(join(objectsDir(archive), fileOf(lost.fullPath!)))).toBe(true);
    const { response, text } = await get(lost.path, await subscriberCookie());
    expect(response.status).toBe(200);
    expect(shows(text, lost)).toEqual([]);
  });
});
