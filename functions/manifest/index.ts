import { manifestIndexPath, manifestShardPath, manifestStoryListPath } from '../../src/paywall/contract.ts';
import { isManifestIndex, isManifestShard, isStoryList, shardOf, type ManifestIndex, type ManifestStory, type StoryList } from '../../src/paywall/manifest.ts';

type Shard = ReadonlyMap<string, ManifestStory>;

/**
 * What this isolate has read of the build's manifest, per assets binding: the index, and the
 * shards requests have needed so far. Nothing here is read whole, so a fresh isolate's first
 * request costs the same for ten stories as for thirty thousand.
 */
let cached: { assets: Fetcher; index: Promise<ManifestIndex> | undefined; shards: Map<number, Promise<Shard>> } | undefined;

function forAssets(assets: Fetcher): NonNullable<typeof cached> {
  if (cached?.assets !== assets) cached = { assets, index: undefined, shards: new Map() };
  return cached;
}

async function fetchJson(assets: Fetcher, path: string, origin: string): Promise<unknown> {
  const response = await assets.fetch(new Request(new URL(path, origin)));
  if (!response.ok) throw new Error(`The build's manifest (${path}) answered ${response.status}; run the build before the worker`);
  return response.json();
}

/**
 * The manifest's index: the shard count and the stories under embargo when the site was built.
 * A failed read is not cached, so the next request tries again; until then callers fail closed.
 */
export function loadManifestIndex(assets: Fetcher, origin: string): Promise<ManifestIndex> {
  const loaded = forAssets(assets);
  loaded.index ??= fetchJson(assets, manifestIndexPath(), origin)
    .then((index) => {
      if (!isManifestIndex(index)) throw new Error('The build manifest is not in the expected format; rebuild the site');
      return index;
    })
    .catch((error: unknown) => {
      loaded.index = undefined;
      throw error;
    });
  return loaded.index;
}

/** The manifest's entry for a public path, or undefined when the build has no such story. Throws when the manifest cannot be read. */
export async function manifestEntry(assets: Fetcher, origin: string, path: string): Promise<ManifestStory | undefined> {
  const shard = shardOf(path, (await loadManifestIndex(assets, origin)).shards);
  const loaded = forAssets(assets);
  let stories = loaded.shards.get(shard);
  if (!stories) {
    stories = fetchJson(assets, manifestShardPath(shard), origin).then((value) => {
      if (!isManifestShard(value)) throw new Error('A manifest shard is not in the expected format; rebuild the site');
      return new Map(value.stories.map((story) => [story.path, story]));
    });
    stories.catch(() => loaded.shards.delete(shard));
    loaded.shards.set(shard, stories);
  }
  return (await stories).get(path);
}

/** Every story's title, section and author (read whole, for the newsroom only). Throws when it cannot be read. */
export async function loadStoryList(assets: Fetcher, origin: string): Promise<StoryList> {
  const list = await fetchJson(assets, manifestStoryListPath(), origin);
  if (!isStoryList(list)) throw new Error('The build\'s story list is not in the expected format; rebuild the site');
  return list;
}
