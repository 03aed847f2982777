// The last step of `npm run build`, after `astro build` and Pagefind: splits the build's output
// between the static assets (dist/) and the R2 archive (src/paywall/archive.ts). It moves into
// dist-r2/objects/ the files only the Worker reads from R2: every full-text page, and the public
// page and search fragment of each story older than `archiveAfterDays` (content/site.json) at the
// time of the build. It writes the list the edge serves them by into dist/ (below the guarded
// manifest prefix) and dist-r2/manifest.json, the objects' hashes, sizes and types, which
// `npm run deploy` uploads by.
//
//   node scripts/archive.ts                      # dist/ → dist-r2/, cut-off from content/site.json
//   node scripts/archive.ts --after-days 30      # another cut-off, e.g. to try the split
//   node scripts/archive.ts --dist D --out O     # another build's folders
//
// It needs an unsplit build: `npm run build` runs it right after astro has rewritten dist/.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { archiveIndexPath, archiveShardPath, isSearchFragmentPath, SEARCH_PREFIX } from '../src/paywall/contract.ts';
import { isArchivedStory, servedPathOf, type ArchivedObject, type ArchiveIndex, type ArchiveShard, type DeployManifest } from '../src/paywall/archive.ts';
import { readWholeManifest, shardCount, shardOf } from '../src/paywall/manifest.ts';
import { settings } from '../src/paywall/settings.ts';

/** Where the build leaves the archive's objects, beside dist/ and never inside it (git-ignored). */
export const ARCHIVE_DIR = 'dist-r2';

/** Workers static assets hold 100,000 files a version (paid plan); the split keeps a margin below it. */
export const ASSET_FILE_BUDGET = 90_000;
const ASSET_FILE_LIMIT = 100_000;

/** The archive's objects, as files under `<archive>/objects/<key>`. */
export function objectsDir(archive: string): string {
  return join(archive, 'objects');
}

/** The deploy's list of this build's objects. */
export function deployManifestPath(archive: string): string {
  return join(archive, 'manifest.json');
}

export interface SplitOptions {
  dist: string;
  archive: string;
  afterDays: number;
  /** The build's time, seconds: stories at least `afterDays` older go to the archive. */
  now?: number;
}

export interface SplitResult {
  objects: number;
  bytes: number;
  /** Stories whose public page went to the archive. */
  archivedStories: number;
  assetFiles: number;
}

function typeOf(key: string): string {
  return key.endsWith('.html') ? 'text/html; charset=utf-8' : 'application/octet-stream';
}

/**
 * Each Pagefind fragment's page URL → the fragment's key, across every bundle of the search index
 * (the newest and the archive's). A fragment is gzip: a signature, then the page's JSON.
 */
function fragmentsByPage(dist: string): Map<string, string> {
  const root = join(dist, SEARCH_PREFIX);
  const byPage = new Map<string, string>();
  if (!existsSync(root)) return byPage;
  for (const file of readdirSync(root, { recursive: true, encoding: 'utf8' })) {
    const path = `${SEARCH_PREFIX}${file.split(sep).join('/')}`;
    if (!isSearchFragmentPath(path)) continue;
    const data = gunzipSync(readFileSync(join(dist, path))).toString('utf8');
    const { url } = JSON.parse(data.slice(data.indexOf('{'))) as { url: string };
    byPage.set(url, path.slice(1));
  }
  return byPage;
}

function countFiles(dir: string): number {
  return readdirSync(dir, { withFileTypes: true, recursive: true }).filter((entry) => entry.isFile()).length;
}

/** Removes the folders a move left empty, up to (not including) `root`. */
function removeEmptyParents(path: string, root: string): void {
  for (let dir = dirname(path); dir.length > root.length && dir.startsWith(root); dir = dirname(dir)) {
    try {
      rmdirSync(dir);
    } catch {
      return;
    }
  }
}

/** Moves the archive's files out of `dist` into `archive` and writes both lists. */
export async function splitArchive({ dist, archive, afterDays, now = Date.now() / 1000 }: SplitOptions): Promise<SplitResult> {
  // A second split would start by emptying the archive folder, which then holds the only copy of the full texts.
  if (existsSync(join(dist, archiveIndexPath()))) throw new Error(`${dist} is already split; build again (npm run build) to split with another cut-off`);
  rmSync(archive, { recursive: true, force: true });
  const { stories } = await readWholeManifest(async (path) => JSON.parse(readFileSync(join(dist, path), 'utf8')));
  const keys: string[] = [];
  let archivedStories = 0;
  const fragments = stories.some((story) => isArchivedStory(story.publishAt, now, afterDays)) ? fragmentsByPage(dist) : new Map<string, string>();
  for (const story of stories) {
    if (story.fullPath) keys.push(`${story.fullPath.slice(1)}index.html`);
    if (!isArchivedStory(story.publishAt, now, afterDays)) continue;
    archivedStories++;
    keys.push(`${story.path.slice(1)}index.html`);
    const fragment = fragments.get(story.path);
    if (fragment) keys.push(fragment);
  }

  const objects: ArchivedObject[] = [];
  let bytes = 0;
  for (const key of keys) {
    const from = join(dist, key);
    const body = readFileSync(from);
    const to = join(objectsDir(archive), key);
    mkdirSync(dirname(to), { recursive: true });
    renameSync(from, to);
    removeEmptyParents(from, dist);
    objects.push({ key, hash: createHash('sha256').update(body).digest('base64url'), size: body.byteLength, type: typeOf(key) });
    bytes += body.byteLength;
  }

  const shards = shardCount(objects.length);
  const listed: ArchiveShard[] = Array.from({ length: shards }, () => ({ version: 1, objects: {} }));
  for (const object of objects) {
    const path = servedPathOf(object.key);
    listed[shardOf(path, shards)]!.objects[path] = object;
  }
  const index: ArchiveIndex = { version: 1, shards };
  mkdirSync(dirname(join(dist, archiveIndexPath())), { recursive: true });
  writeFileSync(join(dist, archiveIndexPath()), JSON.stringify(index));
  listed.forEach((shard, number) => writeFileSync(join(dist, archiveShardPath(number)), JSON.stringify(shard)));
  const deploy: DeployManifest = { version: 1, objects: Object.fromEntries(objects.map(({ key, ...object }) => [key, object])) };
  writeFileSync(deployManifestPath(archive), JSON.stringify(deploy));

  const assetFiles = countFiles(dist);
  if (assetFiles > ASSET_FILE_LIMIT) {
    throw new Error(
      `The static assets hold ${assetFiles} files, more than the ${ASSET_FILE_LIMIT} a Workers version may. ` +
        `Lower archiveAfterDays in content/site.json so that more stories move to the archive, and build again.`,
    );
  }
  if (assetFiles > ASSET_FILE_BUDGET) {
    console.warn(`Warning: the static assets hold ${assetFiles} files, above the ${ASSET_FILE_BUDGET} kept as a margin; lower archiveAfterDays in content/site.json.`);
  }
  return { objects: objects.length, bytes, archivedStories, assetFiles };
}

/**
 * Copies a split build into `to` as astro and Pagefind left it (the archive's objects back in place,
 * the lists gone), so it can be split again with another cut-off: the journey tests and
 * bench:edge use it to make stories of a real build old.
 */
export function unsplitCopy(from: { dist: string; archive: string }, to: string): void {
  cpSync(from.dist, to, { recursive: true });
  cpSync(objectsDir(from.archive), to, { recursive: true });
  rmSync(join(to, dirname(archiveIndexPath())), { recursive: true, force: true });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: { dist: { type: 'string', default: 'dist' }, out: { type: 'string', default: ARCHIVE_DIR }, 'after-days': { type: 'string' } },
  });
  const afterDays = values['after-days'] === undefined ? settings.archiveAfterDays : Number(values['after-days']);
  if (!Number.isInteger(afterDays) || afterDays < 0) {
    console.error('--after-days takes a whole number of days, 0 or more');
    process.exit(2);
  }
  const result = await splitArchive({ dist: values.dist, archive: values.out, afterDays }).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
  console.log(
    `Archive: ${result.objects} objects (${(result.bytes / 1024 / 1024).toFixed(1)} MB) moved to ${values.out}/, ` +
      `${result.archivedStories} stories older than ${afterDays} days among them; ${result.assetFiles} files left in the static assets.`,
  );
}
