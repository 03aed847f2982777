// Counts what a build wrote, by kind, to see which files grow with the archive. Cloudflare Workers
// static assets allow 20,000 files per version on the free plan and 100,000 on paid plans; every
// file counts, whatever it is.
import { existsSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

export function filesUnder(dir: string): string[] {
  const files: string[] = [];
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else files.push(relative(dir, path).split(sep).join('/'));
    }
  };
  walk(dir);
  return files;
}

export interface FileKind {
  kind: string;
  /** Whether the count grows with the number of stories. */
  perStory: boolean;
  test: (path: string) => boolean;
}

/** Listing pages after the first (`…/2/index.html`). */
const LATER_PAGE = /\/\d+\/index\.html$/;
const LISTING = /^(latest|sections|authors|tags|archive)\//;

export const FILE_KINDS: FileKind[] = [
  { kind: 'story pages (public: teaser or free story)', perStory: true, test: (path) => path.startsWith('stories/') },
  { kind: 'full-text pages (/full/)', perStory: true, test: (path) => path.startsWith('full/') },
  // The search index is built in slices (scripts/search-index.ts): /pagefind/ and /pagefind/archive/<n>/.
  { kind: 'Pagefind fragments', perStory: true, test: (path) => /^pagefind\/(archive\/\d+\/)?fragment\//.test(path) },
  { kind: 'Pagefind index chunks', perStory: true, test: (path) => /^pagefind\/(archive\/\d+\/)?index\//.test(path) },
  { kind: 'Pagefind other (per bundle: entry, meta, wasm, ui)', perStory: false, test: (path) => path.startsWith('pagefind/') },
  // One page per month with stories: it grows with the years the archive spans, not its size.
  { kind: 'date archive month pages', perStory: false, test: (path) => /^archive\/\d{4}\/\d{2}\//.test(path) },
  { kind: 'manifest shards (one per 256 stories)', perStory: true, test: (path) => /^paywall-manifest\/\d+\.json$/.test(path) },
  // Ten numbered pages at most per listing (src/site.ts): they grow with the listings, not the stories.
  { kind: 'listing pages 2, 3, … (latest, sections, authors, tags)', perStory: false, test: (path) => LISTING.test(path) && LATER_PAGE.test(path) },
  { kind: 'listing first pages', perStory: false, test: (path) => LISTING.test(path) },
  { kind: 'built assets (_astro/)', perStory: false, test: (path) => path.startsWith('_astro/') },
  { kind: 'everything else (front page, feeds, sitemaps, manifest, …)', perStory: false, test: () => true },
];

export interface FileCount {
  total: number;
  byKind: { kind: string; perStory: boolean; count: number }[];
  /** Files whose number grows with the archive. */
  growing: number;
  /** Files that do not (or barely) grow with it. */
  fixed: number;
}

/** Counts by kind what a build wrote into `dist`; nothing when a failed build left no `dist`. */
export function countFiles(dist: string): FileCount {
  const byKind = FILE_KINDS.map(({ kind, perStory }) => ({ kind, perStory, count: 0 }));
  const files = existsSync(dist) ? filesUnder(dist) : [];
  for (const path of files) {
    const index = FILE_KINDS.findIndex((kind) => kind.test(path));
    byKind[index]!.count += 1;
  }
  const growing = byKind.filter((kind) => kind.perStory).reduce((sum, kind) => sum + kind.count, 0);
  return { total: files.length, byKind, growing, fixed: files.length - growing };
}

/** The largest archive whose build fits in `limit` files, at `perStory` growing files per story plus `fixed`. */
export function largestArchive(limit: number, perStory: number, fixed: number): number {
  return perStory > 0 ? Math.max(0, Math.floor((limit - fixed) / perStory)) : Infinity;
}
