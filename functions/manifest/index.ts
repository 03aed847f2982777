import { archiveIndexPath, archiveShardPath, manifestIndexPath, manifestShardPath, manifestStoryListPath } from '../../src/paywall/contract.ts';
import { isArchiveIndex, isArchiveShard, type ArchivedObject, type ArchiveIndex } from '../../src/paywall/archive.ts';
import { isManifestIndex, isManifestShard, isStoryList, shardOf, type ManifestIndex, type ManifestStory, type StoryList } from '../../src/paywall/manifest.ts';

/**
 * What this isolate has read of the build's lists (the manifest and the archive list), per assets
 * binding: each index, and the shards requests have needed so far, parsed. Nothing here is read
 * whole, so a fresh isolate's first request costs the same for ten stories as for thirty thousand.
 */
let cached: { assets: Fetcher; files: Map<string, Promise<unknown>> } | undefined;

function filesOf(assets: Fetcher): Map<string, Promise<unknown>> {
  if (cached?.assets !== assets) cached = { assets, files: new Map() };
  return cached.files;
}

async function fetchJson(assets: Fetcher, path: string, origin: string): Promise<unknown> {
  const response = await assets.fetch(new Request(new URL(path, origin)));
  if (!response.ok) throw new Error(`The build's list ${path} answered ${response.status}; run the build (npm run build) before the worker`);
  return response.json();
}

/**
 * A file of the build's lists, parsed by `parse` (which throws on a malformed file), read once per
 * isolate. A failed read is not kept, so the next request tries again; until then callers fail closed.
 */
function readList<T>(assets: Fetcher, origin: string, path: string, parse: (value: unknown) => T): Promise<T> {
  const files = filesOf(assets);
  let file = files.get(path) as Promise<T> | undefined;
  if (!file) {
    file = fetchJson(assets, path, origin).then(parse);
    file.catch(() => {
      if (files.get(path) === file) files.delete(path);
    });
    files.set(path, file);
  }
  return file;
}

/** The manifest's index: the shard count and the stories under embargo when the site was built. */
export function loadManifestIndex(assets: Fetcher, origin: string): Promise<ManifestIndex> {
  return readList(assets, origin, manifestIndexPath(), (index) => {
    if (!isManifestIndex(index)) throw new Error('The build manifest is not in the expected format; rebuild the site');
    return index;
  });
}

/** The manifest's entry for a public path, or undefined when the build has no such story. Throws when the manifest cannot be read. */
export async function manifestEntry(assets: Fetcher, origin: string, path: string): Promise<ManifestStory | undefined> {
  const shard = shardOf(path, (await loadManifestIndex(assets, origin)).shards);
  const stories = await readList(assets, origin, manifestShardPath(shard), (value) => {
    if (!isManifestShard(value)) throw new Error('A manifest shard is not in the expected format; rebuild the site');
    return new Map(value.stories.map((story) => [story.path, story]));
  });
  return stories.get(path);
}

function loadArchiveIndex(assets: Fetcher, origin: string): Promise<ArchiveIndex> {
  return readList(assets, origin, archiveIndexPath(), (index) => {
    if (!isArchiveIndex(index)) throw new Error('The archive list is not in the expected format; rebuild the site');
    return index;
  });
}

/**
 * The archive's object for a served path (src/paywall/archive.ts), or undefined when the build left
 * that file in the assets. Throws when the archive list cannot be read.
 */
export async function archiveEntry(assets: Fetcher, origin: string, path: string): Promise<ArchivedObject | undefined> {
  const shard = shardOf(path, (await loadArchiveIndex(assets, origin)).shards);
  const objects = await readList(assets, origin, archiveShardPath(shard), (value) => {
    if (!isArchiveShard(value)) throw new Error('An archive list shard is not in the expected format; rebuild the site');
    return new Map(Object.entries(value.objects));
  });
  return objects.get(path);
}

/** Every story's title, section and author (read whole, for the newsroom only). Throws when it cannot be read. */
export async function loadStoryList(assets: Fetcher, origin: string): Promise<StoryList> {
  const list = await fetchJson(assets, manifestStoryListPath(), origin);
  if (!isStoryList(list)) throw new Error('The build\'s story list is not in the expected format; rebuild the site');
  return list;
}
