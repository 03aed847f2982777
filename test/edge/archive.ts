// The build's files as the Worker tests read them: from the assets, or from the R2 archive when the
// build moved them there (src/paywall/archive.ts), and buckets that fail in each way R2 can.
import { env } from 'cloudflare:workers';
import { archiveEntry } from '../../functions/manifest/index.ts';
import { ORIGIN } from './client.ts';

/** A built file's bytes by the path it is served under (`/full/stories/x/`), wherever the split put it. */
export async function builtBytes(path: string): Promise<Uint8Array<ArrayBuffer>> {
  const archived = await archiveEntry(env.ASSETS, ORIGIN, path);
  if (!archived) {
    const response = await env.ASSETS.fetch(new Request(new URL(path, ORIGIN)));
    if (response.status !== 200) throw new Error(`${path} is not in the build's assets (${response.status})`);
    return new Uint8Array(await response.arrayBuffer());
  }
  const object = await env.ARCHIVE.get(archived.key);
  if (!object) throw new Error(`${archived.key} is not in the test bucket; is dist-r2/ built?`);
  return new Uint8Array(await object.arrayBuffer());
}

/** A built file's text: see `builtBytes`. */
export async function builtText(path: string): Promise<string> {
  return new TextDecoder().decode(await builtBytes(path));
}

/** The ways reading the archive can fail: a get that throws, a bucket without the object, no binding at all. */
export const FAILING_BUCKETS: [string, R2Bucket | undefined][] = [
  ['a get that throws', { get: () => Promise.reject(new Error('R2 is down')), head: () => Promise.reject(new Error('R2 is down')) } as unknown as R2Bucket],
  ['a bucket without the object', { get: () => Promise.resolve(null), head: () => Promise.resolve(null) } as unknown as R2Bucket],
  ['no binding', undefined],
];
