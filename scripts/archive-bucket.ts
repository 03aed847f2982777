// The R2 archive as the deploy sees it (src/paywall/archive.ts): opening the bucket, and bringing it
// to one build's objects (dist-r2/) by uploading what changed and deleting what is no longer built.
//
// The bucket is reached through a Worker binding, as the Worker itself reads it, with wrangler's
// getPlatformProxy: locally that is `wrangler dev`'s own simulation in its persist folder (no
// account, no network), and for a deployment the same binding marked remote, which wrangler
// serves through a small proxy Worker on the account. Writing through a binding rather than the
// REST API (what `wrangler r2 object put` and `r2 bulk put` use) avoids its limit of 1,200
// requests per 5 minutes, which a first upload of a large archive would meet within seconds.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { getPlatformProxy, unstable_readConfig } from 'wrangler';
import { DEPLOY_MANIFEST_KEY, HASH_METADATA, isDeployManifest, type DeployManifest } from '../src/paywall/archive.ts';
import { deployManifestPath, objectsDir } from './archive.ts';

/** The part of the R2 binding the deploy uses (the Worker's own types are not in scope in Node). */
export interface Bucket {
  get(key: string): Promise<{ text(): Promise<string> } | null>;
  head(key: string): Promise<{ customMetadata?: Record<string, string> } | null>;
  put(key: string, value: ArrayBuffer | string, options?: { httpMetadata?: { contentType?: string }; customMetadata?: Record<string, string> }): Promise<unknown>;
  delete(keys: string | string[]): Promise<void>;
  list(options?: { cursor?: string; limit?: number }): Promise<{ objects: { key: string }[]; truncated: boolean; cursor?: string }>;
}

export interface OpenBucket {
  bucket: Bucket;
  /** The bucket's name in wrangler.toml. */
  name: string;
  close(): Promise<void>;
}

/** The archive's binding in wrangler.toml. */
export const ARCHIVE_BINDING = 'ARCHIVE';

/**
 * Opens the archive bucket of wrangler.toml: `{ persistTo }` is a `wrangler dev --persist-to`
 * folder (its simulated R2 lives in `v3/` below it); `'remote'` is the real bucket of the account
 * `wrangler login` chose.
 */
export async function openArchiveBucket(where: { persistTo: string } | 'remote', configPath = 'wrangler.toml'): Promise<OpenBucket> {
  const config = unstable_readConfig({ config: configPath });
  const binding = config.r2_buckets.find((bucket: { binding: string }) => bucket.binding === ARCHIVE_BINDING);
  if (!binding?.bucket_name) throw new Error(`wrangler.toml has no [[r2_buckets]] binding named ${ARCHIVE_BINDING} with a bucket_name; add it (see the comment there)`);
  const remote = where === 'remote';
  // A configuration holding this one binding, so nothing else of the Worker (D1, queues, assets)
  // is started, and so the binding can be marked remote for the deploy alone.
  const dir = mkdtempSync(join(tmpdir(), 'presswall-archive-bucket-'));
  const wranglerJson = join(dir, 'wrangler.json');
  writeFileSync(
    wranglerJson,
    JSON.stringify({
      name: `${config.name ?? 'presswall'}-archive-deploy`,
      compatibility_date: config.compatibility_date,
      r2_buckets: [{ binding: ARCHIVE_BINDING, bucket_name: binding.bucket_name, ...(remote ? { remote: true } : {}) }],
    }),
  );
  try {
    const proxy = await getPlatformProxy<Record<string, Bucket>>({
      configPath: wranglerJson,
      persist: remote ? false : { path: join(resolve(where.persistTo), 'v3') },
      remoteBindings: remote,
    });
    return {
      bucket: proxy.env[ARCHIVE_BINDING]!,
      name: binding.bucket_name,
      close: async () => {
        await proxy.dispose();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** The objects of the build in `archive` (dist-r2/), as scripts/archive.ts listed them. */
export function builtObjects(archive: string): DeployManifest {
  let manifest: unknown;
  try {
    manifest = JSON.parse(readFileSync(deployManifestPath(archive), 'utf8'));
  } catch {
    throw new Error(`${deployManifestPath(archive)} is missing or unreadable; build the site first (npm run build)`);
  }
  if (!isDeployManifest(manifest)) throw new Error(`${deployManifestPath(archive)} is not in the expected format; build the site again`);
  return manifest;
}

/** What the bucket says the last deploy left in it; empty for a new bucket. */
async function deployedObjects(bucket: Bucket): Promise<DeployManifest['objects']> {
  const stored = await bucket.get(DEPLOY_MANIFEST_KEY);
  if (!stored) return {};
  const manifest: unknown = JSON.parse(await stored.text());
  return isDeployManifest(manifest) ? manifest.objects : {};
}

async function writeDeployed(bucket: Bucket, objects: DeployManifest['objects']): Promise<void> {
  const manifest: DeployManifest = { version: 1, objects };
  await bucket.put(DEPLOY_MANIFEST_KEY, JSON.stringify(manifest), { httpMetadata: { contentType: 'application/json' } });
}

/** Every key in the bucket but the deploy's own manifest. */
async function storedKeys(bucket: Bucket): Promise<Set<string>> {
  const keys = new Set<string>();
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ limit: 1000, ...(cursor ? { cursor } : {}) });
    for (const object of page.objects) if (object.key !== DEPLOY_MANIFEST_KEY) keys.add(object.key);
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return keys;
}

export interface UploadResult {
  uploaded: number;
  kept: number;
  /** Keys in the bucket that this build no longer has: `prune` deletes them. */
  stale: string[];
}

/** Uploads at once; enough to keep a binding busy without holding many bodies in memory. */
const PARALLEL = 16;
/** How often the bucket's manifest is brought up to date during a long upload, so a rerun skips what is done. */
const CHECKPOINT_MS = 30_000;

/**
 * Uploads every object of the build whose content hash differs from the bucket's manifest, or
 * that the bucket lacks. The manifest then lists what was uploaded, and still lists the objects
 * `prune` will delete (they are still there). It is never ahead of the bucket: an entry is
 * written only after its object, so a deploy stopped at any point and run again finishes the job.
 */
export async function uploadArchive(bucket: Bucket, archive: string, log: (line: string) => void = () => {}): Promise<UploadResult> {
  const built = builtObjects(archive).objects;
  const [deployed, stored] = await Promise.all([deployedObjects(bucket), storedKeys(bucket)]);
  const state = { ...deployed };
  for (const key of Object.keys(state)) if (!stored.has(key)) delete state[key];
  const changed = Object.keys(built).filter((key) => state[key]?.hash !== built[key]!.hash);
  let uploaded = 0;
  let checkpoint = Date.now();
  for (let start = 0; start < changed.length; start += PARALLEL) {
    const batch = changed.slice(start, start + PARALLEL);
    await Promise.all(
      batch.map(async (key) => {
        const object = built[key]!;
        const body = readFileSync(join(objectsDir(archive), key));
        await bucket.put(key, body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer, {
          httpMetadata: { contentType: object.type },
          customMetadata: { [HASH_METADATA]: object.hash },
        });
        state[key] = object;
      }),
    );
    uploaded += batch.length;
    if (Date.now() - checkpoint > CHECKPOINT_MS) {
      await writeDeployed(bucket, state);
      checkpoint = Date.now();
      log(`  ${uploaded} of ${changed.length} uploaded…`);
    }
  }
  if (uploaded > 0) await writeDeployed(bucket, state);
  return { uploaded, kept: Object.keys(built).length - uploaded, stale: [...stored].filter((key) => !(key in built)) };
}

/**
 * Deletes the objects this build no longer has (after the Worker that stopped reading them is
 * deployed), then writes the bucket's manifest as this build's list, last.
 */
export async function pruneArchive(bucket: Bucket, archive: string, stale: string[]): Promise<number> {
  for (let start = 0; start < stale.length; start += 1000) await bucket.delete(stale.slice(start, start + 1000));
  await writeDeployed(bucket, builtObjects(archive).objects);
  return stale.length;
}

/** Brings a local bucket (a `wrangler dev --persist-to` folder) to the build in `archive`: upload, then prune. */
export async function syncLocalArchive(persistTo: string, archive: string): Promise<{ uploaded: number; kept: number; deleted: number }> {
  const { bucket, close } = await openArchiveBucket({ persistTo });
  try {
    const { uploaded, kept, stale } = await uploadArchive(bucket, archive);
    return { uploaded, kept, deleted: await pruneArchive(bucket, archive, stale) };
  } finally {
    await close();
  }
}
