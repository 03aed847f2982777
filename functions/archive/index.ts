import type { Context } from 'hono';
import { HASH_METADATA, type ArchivedObject } from '../../src/paywall/archive.ts';
import type { AppEnv } from '../env.ts';
import { archiveEntry } from '../manifest/index.ts';
import { safePage } from '../pages/index.ts';

/**
 * Files of the build that live in the R2 archive rather than the static assets (src/paywall/archive.ts):
 * every full-text page, and old stories' public pages and search fragments. They are served under
 * the same URLs, with the headers the asset server gives its files, so readers see no difference.
 *
 * An object's body is kept in this isolate by its content hash, as the build wrote it, before any
 * change for a reader: the same bytes are right for every reader who may have them, and a new
 * build gives new hashes, so nothing kept can be stale. What each reader is then served is made
 * from that copy per request and never kept.
 */

/** The archive could not give a file the build put there: the bucket is unbound, failing, or lacks it. */
export class ArchiveUnavailable extends Error {
  override name = 'ArchiveUnavailable';
}

/** About a twelfth of an isolate's 128 MB: a few hundred story pages, the ones read most. */
const KEPT_BYTES = 10 * 1024 * 1024;

/** Bodies by content hash, least recently used first (a Map keeps insertion order). */
const kept = new Map<string, Uint8Array>();
let keptBytes = 0;

function keep(hash: string, body: Uint8Array): void {
  if (body.byteLength > KEPT_BYTES / 4 || kept.has(hash)) return;
  kept.set(hash, body);
  keptBytes += body.byteLength;
  for (const [oldest, oldBody] of kept) {
    if (keptBytes <= KEPT_BYTES) break;
    kept.delete(oldest);
    keptBytes -= oldBody.byteLength;
  }
}

function recall(hash: string): Uint8Array | undefined {
  const body = kept.get(hash);
  if (body) {
    kept.delete(hash);
    kept.set(hash, body);
  }
  return body;
}

/**
 * An archived file's bytes as the build wrote them: kept in this isolate, or read from the bucket.
 * Throws ArchiveUnavailable when the bucket cannot give them.
 */
export async function archivedBody(bucket: R2Bucket | undefined, object: ArchivedObject): Promise<Uint8Array> {
  const known = recall(object.hash);
  if (known) return known;
  if (!bucket) throw new ArchiveUnavailable('The ARCHIVE bucket is not bound to the Worker; add the [[r2_buckets]] binding in wrangler.toml');
  let stored: R2ObjectBody | null;
  try {
    stored = await bucket.get(object.key);
  } catch (error) {
    throw new ArchiveUnavailable(`Reading ${object.key} from the archive failed: ${String(error)}`);
  }
  if (!stored) throw new ArchiveUnavailable(`${object.key} is not in the archive; run the deploy (npm run deploy) to upload the build`);
  const body = new Uint8Array(await stored.arrayBuffer());
  // Kept by hash only when it is the build's own copy; during a deploy the bucket may already hold the next one.
  if (stored.customMetadata?.[HASH_METADATA] === object.hash) keep(object.hash, body);
  return body;
}

/** An archived page's HTML: see `archivedBody`. */
export async function archivedText(bucket: R2Bucket | undefined, object: ArchivedObject): Promise<string> {
  return new TextDecoder().decode(await archivedBody(bucket, object));
}

/** The strong validator of an archived file: its content hash, which changes whenever the file does. */
export function etagOf(object: ArchivedObject): string {
  return `"${object.hash}"`;
}

/** True when the request already holds this version (If-None-Match, compared weakly as RFC 9110 asks), so a 304 answers it. */
export function isFresh(request: Request, etag: string): boolean {
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  const wanted = request.headers.get('If-None-Match')?.split(',').map(opaque);
  return wanted?.includes(opaque(etag)) === true || wanted?.includes('*') === true;
}

/**
 * A public archived file, answered as the asset server answers its files: its type, its ETag,
 * revalidated on every use, a 304 when the reader has it, no body for HEAD.
 */
export async function publicArchivedFile(c: Context<AppEnv>, object: ArchivedObject): Promise<Response> {
  const headers = new Headers({ 'Content-Type': object.type, ETag: etagOf(object), 'Cache-Control': 'public, max-age=0, must-revalidate' });
  if (isFresh(c.req.raw, etagOf(object))) return new Response(null, { status: 304, headers });
  const body = await archivedBody(c.env.ARCHIVE, object);
  return new Response(c.req.method === 'HEAD' ? null : body.slice(), { status: 200, headers });
}

/** The archive's object for a served path, or undefined when that file is in the assets. Throws when the list cannot be read. */
export function archivedAt(c: Context<AppEnv>, path: string): Promise<ArchivedObject | undefined> {
  return archiveEntry(c.env.ASSETS, c.req.url, path);
}

/**
 * The archive's object for a public file's path, or undefined when the file is in the assets. When
 * the archive list cannot be read, the assets are tried: a public file is safe to serve from
 * wherever it is found, and most are there.
 */
export async function publicArchivedAt(c: Context<AppEnv>, path: string): Promise<ArchivedObject | undefined> {
  try {
    return await archivedAt(c, path);
  } catch (error) {
    console.error(`paywall: the archive list is unavailable, looking for ${path} in the assets:`, error);
    return undefined;
  }
}

/**
 * A public file as the build wrote it (an old story's page, a search fragment), from the archive
 * when the build put it there, otherwise from the assets. One the archive cannot give is the safe
 * 503 page: the reader learns to come back, and no other file stands in for it.
 */
export async function publicFile(c: Context<AppEnv>, path: string): Promise<Response> {
  const archived = await publicArchivedAt(c, path);
  if (!archived) return c.env.ASSETS.fetch(c.req.raw);
  try {
    return await publicArchivedFile(c, archived);
  } catch (error) {
    console.error(`paywall: ${path} could not be read from the archive:`, error);
    return safePage(503, 'This page is not available right now');
  }
}

/** Forgets every kept body, so a test can see a read reach the bucket. */
export function forgetKeptBodies(): void {
  kept.clear();
  keptBytes = 0;
}
