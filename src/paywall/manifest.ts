import type { Access } from './access.ts';

/**
 * The build's list of stories, read by the edge. It is served from the static assets at
 * MANIFEST_PATH, and the edge refuses every outside request for it.
 */
export interface ManifestStory {
  /** Canonical public path, e.g. `/stories/monsoon-drains/`. */
  path: string;
  access: Access;
  /** Short, stable key the meter cookie stores instead of the path. */
  meterKey: string;
  /** Path of the full-text page in the assets; present only for locked stories. */
  fullPath?: string;
  /** Publication time, seconds since the epoch. Until then the story is embargoed: the edge answers 404. */
  publishAt: number;
}

export interface Manifest {
  version: 1;
  stories: ManifestStory[];
}

export const MANIFEST_PATH = '/paywall-manifest.json';

/**
 * A story page's own copy of its publication time (seconds), in `<meta name=…>`, for the one case
 * where the edge cannot read the manifest and must still keep an embargoed story back.
 */
export const PUBLISH_AT_META = 'paywall:publish-at';

/** The attribute listings put on a story's card, holding its path, so the edge can hide it while it is embargoed. */
export const STORY_CARD_ATTRIBUTE = 'data-story';

/** Every path below this prefix holds locked text; only the edge may read it. */
export const FULL_PREFIX = '/full';

export function storyPath(slug: string): string {
  return `/stories/${slug}/`;
}

export function fullPathOf(publicPath: string): string {
  return `${FULL_PREFIX}${publicPath}`;
}

export function isManifest(value: unknown): value is Manifest {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<Manifest>;
  return candidate.version === 1 && Array.isArray(candidate.stories);
}
