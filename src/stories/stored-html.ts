import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readingMinutes } from './reading-time.ts';

/**
 * A plain story's HTML is rendered once, in content sync (src/content.config.ts), and kept in a
 * file of its own here, beside Astro's caches, instead of in the content layer's data store. The
 * store is held whole in memory by every build and bundled as one module, so HTML kept there made
 * the build's memory grow with the archive (and passed V8's 512 MB string limit near 100,000
 * stories); a page reads its story's file when it is rendered, and a rebuild renders only the
 * stories whose source changed, as before.
 */
const STORY_HTML_DIR = join('node_modules', '.astro', 'story-html');

const dirOf = (root: string) => join(root, STORY_HTML_DIR);

/** What the loader stores in place of the HTML, in the entry's `rendered.metadata` (a type, so that it is a record). */
type StoredHtmlMetadata = {
  /** The file holding the HTML: a digest of the source and of the rules it was rendered by. */
  storedHtml: string;
  readingMinutes: number;
  imagePaths: string[];
};

type Rendered = { html: string; metadata?: Record<string, unknown> } | undefined;

function storedMetadata(rendered: Rendered): StoredHtmlMetadata | undefined {
  const metadata = rendered?.metadata;
  return typeof metadata?.['storedHtml'] === 'string' && typeof metadata['readingMinutes'] === 'number'
    ? (metadata as unknown as StoredHtmlMetadata)
    : undefined;
}

/**
 * Writes a rendered story's HTML to its file and returns what the data store keeps instead: no
 * HTML (render(entry) would give an empty body: read it with `storedHtml`) and no source, only the
 * file's name, the reading time worked out from the source, and the pictures it imports.
 */
export async function storeHtml(
  root: string,
  key: string,
  html: string,
  source: string,
  imagePaths: string[],
): Promise<{ html: ''; metadata: StoredHtmlMetadata }> {
  await mkdir(dirOf(root), { recursive: true });
  await writeFile(join(dirOf(root), `${key}.html`), html);
  return { html: '', metadata: { storedHtml: key, readingMinutes: readingMinutes(source), imagePaths } };
}

/** Removes the files of stories no longer in the store (changed, renamed or deleted). */
export async function pruneStoredHtml(root: string, keep: Set<string>): Promise<void> {
  const files = await readdir(dirOf(root)).catch(() => []);
  await Promise.all(files.filter((file) => !keep.has(file.replace(/\.html$/, ''))).map((file) => rm(join(dirOf(root), file), { force: true })));
}

/** The name of a story's HTML file, when the loader stored its HTML in one (plain stories). */
export function storedHtmlKey(rendered: Rendered): string | undefined {
  return storedMetadata(rendered)?.storedHtml;
}

/** The reading time the loader stored with a plain story. */
export function storedReadingMinutes(rendered: Rendered): number | undefined {
  return storedMetadata(rendered)?.readingMinutes;
}

/** A plain story's HTML (paywall marker included), or undefined for an MDX story, which Astro renders. */
export async function storedHtml(rendered: Rendered, root = process.cwd()): Promise<string | undefined> {
  const key = storedHtmlKey(rendered);
  if (key === undefined) return undefined;
  try {
    return await readFile(join(dirOf(root), `${key}.html`), 'utf8');
  } catch (error) {
    throw new Error(`The rendered text of a story (${key}.html in ${STORY_HTML_DIR}) is missing: delete node_modules/.astro and build again.`, {
      cause: error,
    });
  }
}
