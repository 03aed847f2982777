// What the Worker tests know of the publication under test: read from the build (the manifest)
// and from content/, never from demo names or numbers, so the tests hold for any publication.
import { env } from 'cloudflare:workers';
import { monthOf, signMeter } from '../../functions/meter/index.ts';
import { settings } from '../../src/paywall/settings.ts';
import type { Access } from '../../src/paywall/access.ts';
import { readWholeManifest, type ManifestIndex, type ManifestStory } from '../../src/paywall/manifest.ts';
import { ORIGIN } from './client.ts';

let manifest: Promise<{ index: ManifestIndex; stories: ManifestStory[] }> | undefined;

/** The build's whole manifest (its index and every story of every shard), read from the Worker's assets. */
export function builtManifest(): Promise<{ index: ManifestIndex; stories: ManifestStory[] }> {
  manifest ??= readWholeManifest((path) => env.ASSETS.fetch(`${ORIGIN}${path}`).then((response) => response.json()));
  return manifest;
}

/** Published stories of one access level, newest first as the build lists them. */
export async function storiesWith(access: Access): Promise<ManifestStory[]> {
  const now = Date.now() / 1000;
  return (await builtManifest()).stories.filter((story) => story.access === access && story.publishAt <= now);
}

/** The first published story of an access level; fails the test with a clear message if there is none. */
export async function storyWith(access: Access): Promise<ManifestStory> {
  const [story] = await storiesWith(access);
  if (!story) throw new Error(`The publication under test has no published ${access} story; add one to content/stories/`);
  return story;
}

/** A meter cookie that has spent this month's whole allowance, on stories of its own. */
export function usedUpMeter(): Promise<string> {
  const spent = Array.from({ length: settings.freeStoriesPerMonth }, (_, index) => `spent-${index + 1}`);
  return signMeter(spent, monthOf(new Date(), settings.timeZone), new TextEncoder().encode(env.METER_SECRET));
}
