// The manifest the edge decides by (src/paywall/manifest.ts): each story's public path, access
// level, meter key, the path of its full text and when it is published, in shards, with an index
// of the stories still under embargo. The edge refuses outside requests for these files.
import { createHash } from 'node:crypto';
import { fullPathOf } from './paywall/contract.ts';
import { shardCount, shardOf, type ManifestIndex, type ManifestStory, type StoryList } from './paywall/manifest.ts';
import { allStories, isLocked } from './site.ts';

function meterKeyOf(id: string): string {
  return createHash('sha256').update(id).digest('base64url').slice(0, 10);
}

let cached: Promise<{ index: ManifestIndex; shards: ManifestStory[][] }> | undefined;

async function build(): Promise<{ index: ManifestIndex; shards: ManifestStory[][] }> {
  const entries: ManifestStory[] = (await allStories()).map((story) => ({
    path: story.path,
    access: story.access,
    meterKey: meterKeyOf(story.id),
    section: story.section.id,
    publishAt: story.publishAt,
    ...(isLocked(story) ? { fullPath: fullPathOf(story.path) } : {}),
  }));
  if (new Set(entries.map((entry) => entry.meterKey)).size !== entries.length) {
    throw new Error('Two stories share a meter key. Rename one of the story files.');
  }
  const count = shardCount(entries.length);
  const shards: ManifestStory[][] = Array.from({ length: count }, () => []);
  for (const entry of entries) shards[shardOf(entry.path, count)]!.push(entry);
  // The time of this build: a story published by now can never be embargoed again, so the edge
  // need only ever check these few when it takes embargoed cards off listings.
  const now = Date.now() / 1000;
  const pending = entries.filter((entry) => entry.publishAt > now).map(({ path, publishAt }) => ({ path, publishAt }));
  return { index: { version: 2, shards: count, pending }, shards };
}

/** The manifest of this build, computed once for the index and every shard. */
export function builtManifest(): Promise<{ index: ManifestIndex; shards: ManifestStory[][] }> {
  cached ??= build();
  return cached;
}

/** Titles, sections and authors of this build's stories, for the newsroom (src/paywall/manifest.ts StoryList). */
export async function builtStoryList(): Promise<StoryList> {
  const stories = await allStories();
  return {
    version: 1,
    sections: Object.fromEntries(stories.map((story) => [story.section.id, story.section.data.name])),
    authors: Object.fromEntries(stories.map((story) => [story.author.id, story.author.data.name])),
    stories: stories.map((story) => [story.path, story.entry.data.title, story.section.id, story.author.id]),
  };
}
