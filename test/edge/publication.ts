// What the Worker tests know of the publication under test: read from the build (the manifest)
// and from content/, never from demo names or numbers, so the tests hold for any publication.
import { env } from 'cloudflare:workers';
import { largestAllowance, type Access } from '../../src/paywall/access.ts';
import { manifestIndexPath, manifestShardPath } from '../../src/paywall/contract.ts';
import { readWholeManifest, shardOf, type ManifestIndex, type ManifestShard, type ManifestStory } from '../../src/paywall/manifest.ts';
import { allowancesOf } from '../../src/paywall/settings.ts';
import { meterHolding } from '../meter.ts';
import { assetsWith } from './assets.ts';
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

/**
 * The bindings with the manifest giving `path` another publication time, as a future-dated
 * story's would be: in its shard, and in the index's list of pending embargoes.
 */
export async function withPublishAt(path: string, publishAt: number, bindings: Env = env): Promise<Env> {
  const { index, stories } = await builtManifest();
  const shard = shardOf(path, index.shards);
  const changedIndex: ManifestIndex = { ...index, pending: [...index.pending.filter((story) => story.path !== path), { path, publishAt }] };
  const changedShard: ManifestShard = {
    version: 2,
    stories: stories.filter((story) => shardOf(story.path, index.shards) === shard).map((story) => (story.path === path ? { ...story, publishAt } : story)),
  };
  const assets = assetsWith(bindings.ASSETS, (pathname) => {
    if (pathname === manifestIndexPath()) return Response.json(changedIndex);
    if (pathname === manifestShardPath(shard)) return Response.json(changedShard);
    return undefined;
  });
  return { ...bindings, ASSETS: assets };
}

/**
 * A meter cookie that has spent this month's whole allowance, on stories of its own: the largest
 * allowance, so it is used up for every reader without a subscription (a lapsed subscriber reads
 * on a free account's).
 */
export function usedUpMeter(): Promise<string> {
  return meterHolding(largestAllowance(allowancesOf()), env.METER_SECRET);
}
