// Builds the site search (Pagefind) over the public story pages in dist/, the last step of
// `npm run build`. One Pagefind run holds every page it indexes in memory, twice over while it
// builds (about 0.14 GB per 1,000 stories: 14 GB at 100,000), and it has no incremental mode. So
// the stories are indexed in slices of STORIES_PER_INDEX, oldest first, one Pagefind run each:
//
// - the oldest slice is the main bundle, /pagefind/, which the search page loads;
// - each newer slice is a bundle of its own, /pagefind/archive/<n>/ (n = 1 for the second oldest
//   stories), listed in /pagefind/archive.json; the search page merges them into every search.
//
// A slice keeps its bundle's path for good: a new story joins the newest slice or starts the next
// one, and no older slice moves (were the newest slice the main bundle, each 20,000th story would
// move a whole slice's fragments to new paths, and a deploy would send all of them again).
//
// Memory is one slice's, whatever the archive's size. Each slice's bundle is kept in
// node_modules/.astro/search-index/, under a digest of everything Pagefind reads from its pages, so
// a rebuild indexes again only the slices whose indexed text changed: publishing a story touches
// the newest slice, not the archive. Only pages marked `data-pagefind-body` (public pages of
// published stories) are indexed; an embargoed story's page is left out of its slice until a build
// after its time.
//
//   node scripts/search-index.ts [--site dist] [--stories-per-index 20000]
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readWholeManifest, type ManifestStory } from '../src/paywall/manifest.ts';

/**
 * Stories per Pagefind run. Pagefind peaked at 1.5 GB for 10,000 story pages and 4.3 GB for 30,000
 * (docs/benchmarks.md), so a slice stays near 3 GB; and it is what a publication re-indexes at most
 * when it publishes one story. Fewer, larger slices mean fewer bundles for the search page to merge.
 */
export const STORIES_PER_INDEX = 20_000;

/** Where the search page finds the older slices' bundles. */
export const ARCHIVE_LIST = '/pagefind/archive.json';
const MAIN_BUNDLE = '/pagefind/';
const archiveBundle = (slice: number) => `/pagefind/archive/${slice}/`;

/** What Pagefind is asked to do with each slice, part of each slice's cache key. */
const PAGEFIND_ARGS = ['--glob', 'stories/**/*.html', '--silent'];

export interface SearchSlice {
  /** Where the slice's bundle goes, e.g. `/pagefind/` or `/pagefind/archive/1/`. */
  bundle: string;
  /** Public paths of the slice's stories, e.g. `/stories/monsoon-drains/`. */
  paths: string[];
}

/**
 * Stories in slices of `perIndex`, oldest first (by publication time, then path): a new story joins
 * the newest slice and leaves every older slice as it was, at the same path. The oldest slice is
 * the main bundle.
 */
export function searchSlices(stories: Pick<ManifestStory, 'path' | 'publishAt'>[], perIndex = STORIES_PER_INDEX): SearchSlice[] {
  if (!Number.isInteger(perIndex) || perIndex < 1) throw new Error(`Stories per search index must be a whole number above 0, not ${perIndex}.`);
  const oldestFirst = [...stories].sort((a, b) => a.publishAt - b.publishAt || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const slices: SearchSlice[] = [];
  for (let start = 0; start < oldestFirst.length; start += perIndex) {
    const bundle = slices.length === 0 ? MAIN_BUNDLE : archiveBundle(slices.length);
    slices.push({ bundle, paths: oldestFirst.slice(start, start + perIndex).map((story) => story.path) });
  }
  return slices;
}

/**
 * A page without the elements Pagefind is told to ignore (`data-pagefind-ignore`: the related
 * stories and the tags): what Pagefind reads of it. A story's related cards change whenever a newer
 * story of its section appears; its indexed text does not.
 */
export function indexedPart(html: string): string {
  let rest = html;
  let kept = '';
  for (;;) {
    const marker = rest.search(/<[a-zA-Z][\w-]*\b[^>]*\sdata-pagefind-ignore\b[^>]*>/);
    if (marker < 0) return kept + rest;
    const tag = /^<([a-zA-Z][\w-]*)/.exec(rest.slice(marker))![1]!;
    kept += rest.slice(0, marker);
    // Find the element's end: its closing tag at the same depth.
    const tags = new RegExp(`<(/?)${tag}\\b[^>]*>`, 'gi');
    tags.lastIndex = marker;
    let depth = 0;
    let end = rest.length;
    for (let match = tags.exec(rest); match; match = tags.exec(rest)) {
      depth += match[1] ? -1 : 1;
      if (depth === 0) {
        end = match.index + match[0].length;
        break;
      }
    }
    rest = rest.slice(end);
  }
}

const pageFile = (site: string, path: string) => join(site, path, 'index.html');

/**
 * Puts a cached bundle into the site as hard links: tens of thousands of files, which a copy would
 * read and write again (a copy only across file systems). Nothing writes into a bundle's files after Pagefind, so the cache's copy
 * cannot change through dist/.
 */
function linkTree(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    if (entry.isDirectory()) linkTree(join(from, entry.name), join(to, entry.name));
    else linkOrCopy(join(from, entry.name), join(to, entry.name));
  }
}

/** A hard link, or a copy where the two folders are on different file systems. */
function linkOrCopy(from: string, to: string): void {
  try {
    linkSync(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    copyFileSync(from, to);
  }
}

function pagefindVersion(root: string): string {
  return (JSON.parse(readFileSync(join(root, 'node_modules', 'pagefind', 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * Indexes `slice` into a bundle in `cache` (or finds it there from an earlier build) and returns
 * the bundle's folder, or undefined when none of its pages may be indexed yet.
 */
function sliceBundle(site: string, slice: SearchSlice, cache: string, root: string, version: string): string | undefined {
  const key = createHash('sha256').update(JSON.stringify({ version, args: PAGEFIND_ARGS }));
  const pages: string[] = [];
  for (const path of slice.paths) {
    const file = pageFile(site, path);
    if (!existsSync(file)) throw new Error(`${file} is missing, but the manifest lists ${path}: run astro build again before indexing.`);
    const html = readFileSync(file, 'utf8');
    // The same rule Pagefind applies when any page has the attribute: pages without it are skipped.
    if (!html.includes('data-pagefind-body')) continue;
    pages.push(path);
    key.update(`\0${path}\0`).update(indexedPart(html));
  }
  if (!pages.length) return undefined;
  const bundle = join(cache, key.digest('base64url'));
  if (existsSync(bundle)) return bundle;

  // Pagefind reads a folder: give it one holding only this slice's pages, as links to dist/'s.
  const staging = `${bundle}.site`;
  rmSync(staging, { recursive: true, force: true });
  for (const path of pages) {
    mkdirSync(join(staging, path), { recursive: true });
    linkOrCopy(pageFile(site, path), pageFile(staging, path));
  }
  const written = `${bundle}.partial`;
  rmSync(written, { recursive: true, force: true });
  const run = spawnSync(join(root, 'node_modules', '.bin', 'pagefind'), ['--site', staging, '--output-path', written, ...PAGEFIND_ARGS], {
    stdio: 'inherit',
  });
  rmSync(staging, { recursive: true, force: true });
  if (run.status !== 0) throw new Error(`Pagefind failed on the search slice for ${slice.bundle} (exit ${run.status ?? run.signal}); its output is above.`);
  renameSync(written, bundle);
  return bundle;
}

/** Builds every slice's bundle into `site` and writes the list of archive bundles. */
export async function buildSearchIndex(
  site: string,
  options: { perIndex?: number; root?: string; cache?: string } = {},
): Promise<{ slices: number; indexed: number; reused: number }> {
  const root = options.root ?? process.cwd();
  const cache = options.cache ?? join(root, 'node_modules', '.astro', 'search-index');
  mkdirSync(cache, { recursive: true });
  rmSync(join(site, MAIN_BUNDLE), { recursive: true, force: true });
  const { stories } = await readWholeManifest(async (path) => JSON.parse(readFileSync(join(site, path), 'utf8')));
  const version = pagefindVersion(root);
  const used = new Set<string>();
  const archive: string[] = [];
  let reused = 0;
  const slices = searchSlices(stories, options.perIndex);
  for (const slice of slices) {
    const before = new Set(readdirSync(cache));
    const bundle = sliceBundle(site, slice, cache, root, version);
    if (!bundle) continue;
    const name = bundle.slice(cache.length + 1);
    if (before.has(name)) reused++;
    used.add(name);
    linkTree(bundle, join(site, slice.bundle));
    if (slice.bundle !== MAIN_BUNDLE) archive.push(slice.bundle);
  }
  mkdirSync(join(site, MAIN_BUNDLE), { recursive: true });
  writeFileSync(join(site, ARCHIVE_LIST), `${JSON.stringify({ bundles: archive })}\n`);
  // Bundles no slice uses any more (their pages changed) would only grow the cache.
  for (const name of readdirSync(cache)) if (!used.has(name)) rmSync(join(cache, name), { recursive: true, force: true });
  return { slices: used.size, indexed: used.size - reused, reused };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { site: { type: 'string', default: 'dist' }, 'stories-per-index': { type: 'string' } } });
  const perIndex = values['stories-per-index'] === undefined ? undefined : Number(values['stories-per-index']);
  const result = await buildSearchIndex(values.site, perIndex === undefined ? {} : { perIndex });
  console.log(`Search index: ${result.slices} slice(s), ${result.indexed} indexed by Pagefind, ${result.reused} taken from the previous build.`);
}
