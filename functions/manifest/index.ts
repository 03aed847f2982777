import { MANIFEST_PATH } from '../../src/paywall/contract.ts';
import { isManifest, type Manifest, type ManifestStory } from '../../src/paywall/manifest.ts';

export type ManifestIndex = ReadonlyMap<string, ManifestStory>;

let cached: { assets: Fetcher; manifest: Promise<ManifestIndex> } | undefined;

async function fetchManifest(assets: Fetcher, origin: string): Promise<ManifestIndex> {
  const response = await assets.fetch(new Request(new URL(MANIFEST_PATH, origin)));
  if (!response.ok) throw new Error(`The build's manifest answered ${response.status}; run the build before the worker`);
  const manifest: unknown = await response.json();
  if (!isManifest(manifest)) throw new Error('The build manifest is not in the expected format; rebuild the site');
  return new Map((manifest as Manifest).stories.map((story) => [story.path, story]));
}

/**
 * The build's manifest, read once per isolate (and per assets binding) from the static assets.
 * A failed read is not cached, so the next request tries again; until then callers fail closed.
 */
export function loadManifest(assets: Fetcher, origin: string): Promise<ManifestIndex> {
  if (cached?.assets !== assets) {
    const manifest = fetchManifest(assets, origin).catch((error: unknown) => {
      cached = undefined;
      throw error;
    });
    cached = { assets, manifest };
  }
  return cached.manifest;
}
