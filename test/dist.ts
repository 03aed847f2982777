import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { readWholeManifest } from '../src/paywall/manifest.ts';
import { ARCHIVE_DIR, objectsDir } from '../scripts/archive.ts';
import type { DeployManifest } from '../src/paywall/archive.ts';

export const DIST = 'dist';
/** The build's R2 archive: the files it moved out of dist/ (scripts/archive.ts). */
export const ARCHIVE = ARCHIVE_DIR;

function filesUnder(root: string, dir = root): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(root, path) : [`/${relative(root, path)}`];
  });
}

/** Every file the build wrote, in the static assets or the R2 archive, as site paths ("/stories/x/index.html"). */
export function builtFiles(): string[] {
  return [...filesUnder(DIST), ...filesUnder(objectsDir(ARCHIVE))];
}

/** A built file by its site path, wherever the split put it. */
export function readBuilt(path: string): Buffer {
  const inAssets = join(DIST, path);
  return readFileSync(existsSync(inAssets) ? inAssets : join(objectsDir(ARCHIVE), path));
}

/** An archive object as the Worker tests put it in their bucket. A type, so it counts as JSON for workerd. */
export type TestArchiveObject = { key: string; hash: string; type: string; base64: string };

/** Every object of the build's archive, with its body, for the Worker tests' R2 bucket. */
export function archiveObjects(): TestArchiveObject[] {
  const manifestPath = join(ARCHIVE, 'manifest.json');
  if (!existsSync(manifestPath)) return [];
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as DeployManifest;
  return Object.entries(manifest.objects).map(([key, object]) => ({
    key,
    hash: object.hash,
    type: object.type,
    base64: readFileSync(join(objectsDir(ARCHIVE), key)).toString('base64'),
  }));
}

/** The paths of the stories the build published, as its manifest (index and shards) lists them. */
export async function publishedPaths(): Promise<Set<string>> {
  const { stories } = await readWholeManifest(async (path) => JSON.parse(readFileSync(join(DIST, path), 'utf8')));
  return new Set(stories.filter((story) => story.publishAt <= Date.now() / 1000).map((story) => story.path));
}
