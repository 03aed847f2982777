import type { Access } from './access.ts';
import { manifestIndexPath, manifestShardPath } from './contract.ts';

/**
 * The build's list of stories, read by the edge. It is served from the static assets below
 * MANIFEST_PREFIX (src/paywall/contract.ts), and the edge refuses every outside request for it.
 *
 * It is written in shards so that what an isolate reads does not grow with the archive: a small
 * index (the shard count and the stories still under embargo when the site was built), and one
 * file per few hundred stories. A story request reads the index and its story's shard; a listing
 * reads the index only.
 */
export interface ManifestStory {
  /** Canonical public path, e.g. `/stories/monsoon-drains/`. */
  path: string;
  access: Access;
  /** Short, stable key the meter cookie stores instead of the path. */
  meterKey: string;
  /** The story's section id (content/sections.json), for the newsroom's counts per section. */
  section: string;
  /** Path of the full-text page in the assets; present only for locked stories. */
  fullPath?: string;
  /** Publication time, seconds since the epoch. Until then the story is embargoed: the edge answers 404. */
  publishAt: number;
}

/** A story whose publication time was still ahead when the site was built. */
export type PendingEmbargo = Pick<ManifestStory, 'path' | 'publishAt'>;

export interface ManifestIndex {
  version: 2;
  /** How many shard files there are; a story's shard is `shardOf(path, shards)`. */
  shards: number;
  /** Every story embargoed at build time: the only ones whose listing cards the edge may have to hide. */
  pending: PendingEmbargo[];
}

export interface ManifestShard {
  version: 2;
  stories: ManifestStory[];
}

/**
 * Every story's title, section and author, for the newsroom's tables (MANIFEST_PREFIX/stories.json).
 * A story is a short tuple of ids and its title, and names are listed once, so the file stays
 * small per story.
 */
export interface StoryList {
  version: 1;
  sections: Record<string, string>;
  authors: Record<string, string>;
  /** [path, title, section id, author id] */
  stories: [path: string, title: string, section: string, author: string][];
}

export function isStoryList(value: unknown): value is StoryList {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<StoryList>;
  return candidate.version === 1 && Array.isArray(candidate.stories) && typeof candidate.sections === 'object' && typeof candidate.authors === 'object';
}

/** Enough that the shard count stays small (about 120 files at 30,000 stories), few enough that one parses in well under a millisecond. */
const STORIES_PER_SHARD = 256;

export function shardCount(stories: number): number {
  return Math.max(1, Math.ceil(stories / STORIES_PER_SHARD));
}

/** FNV-1a over the path: the build and the edge must place a story in the same shard, with no state shared but the count. */
export function shardOf(path: string, shards: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < path.length; i++) {
    hash ^= path.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % shards;
}

export function isManifestIndex(value: unknown): value is ManifestIndex {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<ManifestIndex>;
  return candidate.version === 2 && Number.isInteger(candidate.shards) && (candidate.shards ?? 0) > 0 && Array.isArray(candidate.pending);
}

export function isManifestShard(value: unknown): value is ManifestShard {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<ManifestShard>;
  return candidate.version === 2 && Array.isArray(candidate.stories);
}

/**
 * Every story of a built manifest, newest first, for tests and scripts that pick stories from
 * the build (the edge itself never reads it whole). `read` returns a manifest file's JSON by path.
 */
export async function readWholeManifest(read: (path: string) => Promise<unknown>): Promise<{ index: ManifestIndex; stories: ManifestStory[] }> {
  const index = await read(manifestIndexPath());
  if (!isManifestIndex(index)) throw new Error('The build manifest is not in the expected format; rebuild the site');
  const shards = await Promise.all(Array.from({ length: index.shards }, (_, shard) => read(manifestShardPath(shard))));
  const stories = shards.flatMap((shard) => {
    if (!isManifestShard(shard)) throw new Error('A manifest shard is not in the expected format; rebuild the site');
    return shard.stories;
  });
  return { index, stories: stories.sort((a, b) => b.publishAt - a.publishAt) };
}
