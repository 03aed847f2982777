/**
 * The split of the build's output between Workers static assets and the R2 archive: the one rule
 * the build (scripts/archive.ts) and the edge (functions/archive) both follow.
 *
 * Files only the Worker reads leave the assets for an R2 bucket bound to the Worker: every
 * story's full-text page, and, once a story is older than `archiveAfterDays` (content/site.json)
 * when the site is built, its public page and its search fragment. The build writes the list of
 * what it moved into the assets, below MANIFEST_PREFIX (so it is guarded like the manifest): an
 * index and shards keyed by the path each file is served under. The edge serves a path from R2
 * exactly when the list names it, and from the assets otherwise; it never decides by age itself,
 * so a story cannot be looked for where the build did not put it.
 */

/** One file of the build in the archive. */
export interface ArchivedObject {
  /** The R2 object's key: the file's path in the build, without the leading slash (`full/stories/x/index.html`). */
  key: string;
  /** SHA-256 of the content, base64url: the deploy uploads by it, and the edge caches and answers 304s by it. */
  hash: string;
  size: number;
  /** The Content-Type the file is served with. */
  type: string;
}

export interface ArchiveIndex {
  version: 1;
  /** How many shard files there are (`shardCount` of the objects); a path's shard is `shardOf(path, shards)` (src/paywall/manifest.ts). */
  shards: number;
}

export interface ArchiveShard {
  version: 1;
  /** Served path (`/full/stories/x/`, `/stories/x/`, `/pagefind/fragment/…`) → its object. */
  objects: Record<string, ArchivedObject>;
}

/**
 * The objects of one build, as the deploy uploads them and keeps them listed in the bucket
 * (DEPLOY_MANIFEST_KEY): key → hash, size and type.
 */
export interface DeployManifest {
  version: 1;
  objects: Record<string, Omit<ArchivedObject, 'key'>>;
}

/** The bucket's own record of what the last deploy left in it. Outside every served key. */
export const DEPLOY_MANIFEST_KEY = '.presswall/deploy-manifest.json';

/** The R2 object metadata field that carries the content's hash, so a reader of the object knows which build wrote it. */
export const HASH_METADATA = 'sha256';

const DAY = 86_400;

/** True when a story's public page and search fragment belong in the archive, for a build made at `builtAt` (seconds). */
export function isArchivedStory(publishAt: number, builtAt: number, archiveAfterDays: number): boolean {
  return publishAt <= builtAt && builtAt - publishAt >= archiveAfterDays * DAY;
}

/** The path a built file is served under: `stories/x/index.html` → `/stories/x/`; other files as they are. */
export function servedPathOf(key: string): string {
  return `/${key.replace(/(^|\/)index\.html$/, '$1')}`;
}

export function isArchiveIndex(value: unknown): value is ArchiveIndex {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<ArchiveIndex>;
  return candidate.version === 1 && Number.isInteger(candidate.shards) && (candidate.shards ?? 0) > 0;
}

export function isArchiveShard(value: unknown): value is ArchiveShard {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<ArchiveShard>;
  return candidate.version === 1 && typeof candidate.objects === 'object' && candidate.objects !== null;
}

export function isDeployManifest(value: unknown): value is DeployManifest {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<DeployManifest>;
  return candidate.version === 1 && typeof candidate.objects === 'object' && candidate.objects !== null;
}
