import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { readWholeManifest } from '../src/paywall/manifest.ts';

export const DIST = 'dist';

/** Every file the build wrote, as site paths ("/stories/x/index.html"). */
export function builtFiles(dir = DIST): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? builtFiles(path) : [`/${relative(DIST, path)}`];
  });
}

/** The paths of the stories the build published, as its manifest (index and shards) lists them. */
export async function publishedPaths(): Promise<Set<string>> {
  const { stories } = await readWholeManifest(async (path) => JSON.parse(readFileSync(join(DIST, path), 'utf8')));
  return new Set(stories.filter((story) => story.publishAt <= Date.now() / 1000).map((story) => story.path));
}
