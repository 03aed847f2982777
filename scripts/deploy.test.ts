// The deploy's archive step against a local R2 (wrangler's simulation in a persist folder, as
// `npm start` uses): no account, no network. Builds are the real build's archive (dist-r2/), and
// the next builds are made from it as a build with one more story, one story fewer, would be.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { DEPLOY_MANIFEST_KEY, HASH_METADATA, type DeployManifest } from '../src/paywall/archive.ts';
import { ARCHIVE_DIR, deployManifestPath, objectsDir } from './archive.ts';
import { openArchiveBucket } from './archive-bucket.ts';

const run = promisify(execFile);
const scratch = mkdtempSync(join(tmpdir(), 'presswall-deploy-test-'));
const persistTo = join(scratch, 'state');
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A copy of the real build's archive, to change as the next build would. */
function buildCopy(name: string, from = ARCHIVE_DIR): string {
  const dir = join(scratch, name);
  cpSync(from, dir, { recursive: true });
  return dir;
}

function manifestOf(build: string): DeployManifest {
  return JSON.parse(readFileSync(deployManifestPath(build), 'utf8')) as DeployManifest;
}

/** Writes an object into a build, listed with its hash, as scripts/archive.ts would. */
function putObject(build: string, key: string, body: string): void {
  const path = join(objectsDir(build), key);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, body);
  const manifest = manifestOf(build);
  manifest.objects[key] = { hash: createHash('sha256').update(body).digest('base64url'), size: Buffer.byteLength(body), type: 'text/html; charset=utf-8' };
  writeFileSync(deployManifestPath(build), JSON.stringify(manifest));
}

function removeObject(build: string, key: string): void {
  rmSync(join(objectsDir(build), key));
  const manifest = manifestOf(build);
  delete manifest.objects[key];
  writeFileSync(deployManifestPath(build), JSON.stringify(manifest));
}

/** Runs `scripts/deploy.ts --local` as `npm run deploy` would run it, and reads the counts it prints. */
async function deploy(build: string): Promise<{ uploaded: number; kept: number; deleted: number }> {
  const { stdout } = await run(process.execPath, ['scripts/deploy.ts', '--local', '--persist-to', persistTo, '--archive', build]);
  const counts = /uploaded (\d+), kept (\d+), deleted (\d+) objects/.exec(stdout);
  if (!counts) throw new Error(`The deploy printed no counts:\n${stdout}`);
  return { uploaded: Number(counts[1]), kept: Number(counts[2]), deleted: Number(counts[3]) };
}

/** Every object in the local bucket, with the hash of what it holds and the hash it is labelled with. */
async function bucketContents(): Promise<{ objects: Map<string, { hash: string; label: string | undefined }>; manifest: DeployManifest | undefined }> {
  const { bucket, close } = await openArchiveBucket({ persistTo });
  try {
    const objects = new Map<string, { hash: string; label: string | undefined }>();
    let manifest: DeployManifest | undefined;
    const { objects: listed } = await bucket.list({ limit: 1000 });
    for (const { key } of listed) {
      const stored = (await bucket.get(key))!;
      const text = await stored.text();
      if (key === DEPLOY_MANIFEST_KEY) manifest = JSON.parse(text) as DeployManifest;
      else objects.set(key, { hash: createHash('sha256').update(text).digest('base64url'), label: (await bucket.head(key))?.customMetadata?.[HASH_METADATA] });
    }
    return { objects, manifest };
  } finally {
    await close();
  }
}

/** The bucket holds exactly the build's objects, each as built, and lists them as its manifest. */
async function expectBucketToHold(build: string): Promise<void> {
  const built = manifestOf(build);
  const { objects, manifest } = await bucketContents();
  expect([...objects.keys()].sort()).toEqual(Object.keys(built.objects).sort());
  for (const [key, object] of objects) {
    expect(object.hash, key).toBe(built.objects[key]!.hash);
    expect(object.label, key).toBe(built.objects[key]!.hash);
  }
  expect(manifest).toEqual(built);
}

describe('npm run deploy, against a local R2', () => {
  const first = buildCopy('build-1');
  const keys = Object.keys(manifestOf(first).objects).sort();
  const storyPage = keys.find((key) => key.startsWith('full/'));
  const NEW_STORY = 'full/stories/a-story-published-since-the-last-deploy/index.html';
  const NEW_PUBLIC_PAGE = 'stories/a-story-published-since-the-last-deploy/index.html';

  it('has a build with full-text pages to deploy', () => {
    expect(storyPage).toBeDefined();
  });

  it('uploads every object of a first build into an empty bucket', async () => {
    expect(await deploy(first)).toEqual({ uploaded: keys.length, kept: 0, deleted: 0 });
    await expectBucketToHold(first);
  }, 60_000);

  it('uploads nothing when the build has not changed', async () => {
    expect(await deploy(first)).toEqual({ uploaded: 0, kept: keys.length, deleted: 0 });
  }, 60_000);

  const second = buildCopy('build-2', first);
  it('uploads only a new story\'s objects, and deletes a removed story\'s', async () => {
    const page = readFileSync(join(objectsDir(first), storyPage!), 'utf8');
    putObject(second, NEW_STORY, page.replace('<title>', '<title>New: '));
    putObject(second, NEW_PUBLIC_PAGE, page.replace('<title>', '<title>New teaser: '));
    const removed = keys.find((key) => key !== storyPage)!;
    removeObject(second, removed);
    expect(await deploy(second)).toEqual({ uploaded: 2, kept: keys.length - 1, deleted: 1 });
    await expectBucketToHold(second);
  }, 60_000);

  it('finishes an interrupted deploy when run again', async () => {
    const third = buildCopy('build-3', second);
    const changed = Object.keys(manifestOf(third).objects).filter((key) => key.startsWith('full/')).slice(0, 3);
    for (const key of changed) putObject(third, key, `${readFileSync(join(objectsDir(third), key), 'utf8')}<!-- edited -->`);
    // What a deploy stopped half-way leaves: one new object stored, the bucket's manifest not yet
    // updated, and an object that a manual clean-up removed behind the manifest's back.
    const { bucket, close } = await openArchiveBucket({ persistTo });
    try {
      const key = changed[0]!;
      await bucket.put(key, readFileSync(join(objectsDir(third), key), 'utf8'), { customMetadata: { [HASH_METADATA]: manifestOf(third).objects[key]!.hash } });
      await bucket.delete(NEW_PUBLIC_PAGE);
    } finally {
      await close();
    }
    const counts = await deploy(third);
    // The changed objects and the missing one; nothing else.
    expect(counts.uploaded).toBe(changed.length + 1);
    expect(counts.deleted).toBe(0);
    await expectBucketToHold(third);
    expect(await deploy(third)).toEqual({ uploaded: 0, kept: Object.keys(manifestOf(third).objects).length, deleted: 0 });
  }, 90_000);
});
