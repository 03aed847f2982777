import type { Access } from './access.ts';

/**
 * The build's list of stories, read by the edge. It is served from the static assets at
 * MANIFEST_PATH (src/paywall/contract.ts), and the edge refuses every outside request for it.
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

export function isManifest(value: unknown): value is Manifest {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<Manifest>;
  return candidate.version === 1 && Array.isArray(candidate.stories);
}
