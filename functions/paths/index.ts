import { FULL_PREFIX, MANIFEST_PREFIX, NEWSROOM_PREFIX, STORY_PREFIX } from '../../src/paywall/contract.ts';

/** Dot segments resolved and empty segments dropped; a trailing slash is kept. */
function resolveSegments(path: string): string {
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const trailing = segments.length > 0 && /\/\.{0,2}$/.test(path) ? '/' : '';
  return `/${segments.join('/')}${trailing}`;
}

/** Back slashes as slashes, repeated slashes as one, dot segments resolved, lower case. */
function normalise(path: string): string {
  return resolveSegments(path.replaceAll('\\', '/').toLowerCase());
}

function names(path: string, guarded: string): boolean {
  return path === guarded || path.startsWith(`${guarded}/`);
}

/**
 * True when a request path, in any spelling the asset server might resolve (percent-encoding,
 * double encoding, case, repeated or back slashes, dot segments), is one of `prefixes` or below it.
 * A path still encoded after three rounds, or undecodable, counts as under them: no page of ours
 * is spelled like that, and refusing it is the safe answer.
 */
function spelledUnder(pathname: string, prefixes: readonly string[]): boolean {
  let spelling = pathname;
  for (let round = 0; round < 3; round++) {
    const path = normalise(spelling);
    if (prefixes.some((prefix) => names(path, prefix))) return true;
    let decoded: string;
    try {
      decoded = decodeURIComponent(spelling);
    } catch {
      return true;
    }
    if (decoded === spelling) return false;
    spelling = decoded;
  }
  return true;
}

/** A file only the edge may read: the full-text pages and the manifest. */
export function isGuardedPath(pathname: string): boolean {
  return spelledUnder(pathname, [FULL_PREFIX, MANIFEST_PREFIX]);
}

/** A path of the newsroom, which only staff may see. */
export function isNewsroomPath(pathname: string): boolean {
  return spelledUnder(pathname, [NEWSROOM_PREFIX]);
}

const UNRESERVED = /[A-Za-z0-9\-._~]/;

/**
 * The one spelling of a page's path: percent-encoded letters and digits decoded, other escapes
 * in upper case, repeated slashes and dot segments removed, `index.html` dropped, and stories in
 * lower case with a trailing slash. (Other pages get their trailing slash, or lose it, from the
 * asset server, which knows which files exist.) Other spellings are redirected here before any
 * decision is made, so no spelling reaches a page another way.
 */
export function canonicalPath(pathname: string): string {
  let path = pathname.replace(/%([0-9A-Fa-f]{2})/g, (escape, hex: string) => {
    const char = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(char) ? char : escape.toUpperCase();
  });
  path = resolveSegments(path).replace(/\/index(\.html)?\/?$/, '/');
  if (path.toLowerCase() === STORY_PREFIX || path.toLowerCase().startsWith(`${STORY_PREFIX}/`)) {
    path = path.toLowerCase().replace(/%[0-9a-f]{2}/g, (escape) => escape.toUpperCase());
    if (!path.endsWith('/')) path = `${path}/`;
  }
  return path;
}
