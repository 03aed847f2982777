import { FULL_PREFIX, MANIFEST_PATH } from '../../src/paywall/manifest.ts';

/** Back slashes as slashes, repeated slashes as one, dot segments resolved, lower case. */
function normalise(path: string): string {
  const segments: string[] = [];
  for (const segment of path.replaceAll('\\', '/').toLowerCase().split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  return `/${segments.join('/')}`;
}

function names(path: string, guarded: string): boolean {
  return path === guarded || path.startsWith(`${guarded}/`);
}

/**
 * True when a request path, in any spelling the asset server might resolve (percent-encoding,
 * double encoding, case, repeated or back slashes, dot segments), names a file only the edge may
 * read: the full-text pages and the manifest.
 */
export function isGuardedPath(pathname: string): boolean {
  let spelling = pathname;
  for (let round = 0; round < 3; round++) {
    const path = normalise(spelling);
    if (names(path, FULL_PREFIX) || names(path, MANIFEST_PATH)) return true;
    let decoded: string;
    try {
      decoded = decodeURIComponent(spelling);
    } catch {
      return true; // Undecodable: no file of ours has such a name.
    }
    if (decoded === spelling) return false;
    spelling = decoded;
  }
  return true; // Still encoded after three rounds: no page of ours is spelled like that.
}
