// What deploying a rebuild would send, measured by content hash as the deploy itself decides: the
// static-asset files that are new or changed (Cloudflare's asset upload skips files whose hash it
// already has) and the R2 objects scripts/deploy.ts would upload and delete.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeployManifest } from '../../src/paywall/archive.ts';
import { ARCHIVE_DIR, deployManifestPath } from '../archive.ts';
import { filesUnder } from './files.ts';

/** A build's files by content hash: its static assets, and its R2 objects from the deploy's list. */
export interface BuiltState {
  assets: Map<string, string>;
  objects: Map<string, string>;
}

export function builtState(projectDir: string): BuiltState {
  const dist = join(projectDir, 'dist');
  const assets = new Map(filesUnder(dist).map((file) => [file, createHash('sha256').update(readFileSync(join(dist, file))).digest('base64url')]));
  const listPath = deployManifestPath(join(projectDir, ARCHIVE_DIR));
  const list: unknown = existsSync(listPath) ? JSON.parse(readFileSync(listPath, 'utf8')) : undefined;
  const objects = new Map(isDeployManifest(list) ? Object.entries(list.objects).map(([key, object]) => [key, object.hash]) : []);
  return { assets, objects };
}

export interface DeployDifference {
  assetsSent: number;
  assetsGone: number;
  objectsUploaded: number;
  objectsDeleted: number;
}

export function deployDifference(before: BuiltState, after: BuiltState): DeployDifference {
  const sent = (was: Map<string, string>, now: Map<string, string>) => [...now].filter(([key, hash]) => was.get(key) !== hash).length;
  const gone = (was: Map<string, string>, now: Map<string, string>) => [...was.keys()].filter((key) => !now.has(key)).length;
  return {
    assetsSent: sent(before.assets, after.assets),
    assetsGone: gone(before.assets, after.assets),
    objectsUploaded: sent(before.objects, after.objects),
    objectsDeleted: gone(before.objects, after.objects),
  };
}
