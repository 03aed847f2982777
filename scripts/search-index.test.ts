import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { MANIFEST_PREFIX } from '../src/paywall/contract.ts';
import { sourceStories } from '../test/content.ts';
import { DIST, publishedPaths } from '../test/dist.ts';
import { textOf } from '../test/html.ts';
import { ARCHIVE_LIST, buildSearchIndex, indexedPart, searchSlices } from './search-index.ts';

describe('search slices', () => {
  const stories = [
    { path: '/stories/c/', publishAt: 300 },
    { path: '/stories/a/', publishAt: 100 },
    { path: '/stories/b2/', publishAt: 200 },
    { path: '/stories/b1/', publishAt: 200 },
    { path: '/stories/d/', publishAt: 400 },
  ];

  it('cuts the stories oldest first into slices, the oldest slice being the main bundle', () => {
    expect(searchSlices(stories, 2)).toEqual([
      { bundle: '/pagefind/', paths: ['/stories/a/', '/stories/b1/'] },
      { bundle: '/pagefind/archive/1/', paths: ['/stories/b2/', '/stories/c/'] },
      { bundle: '/pagefind/archive/2/', paths: ['/stories/d/'] },
    ]);
    expect(searchSlices(stories, 10)).toEqual([{ bundle: '/pagefind/', paths: stories.map((story) => story.path).sort() }]);
    expect(searchSlices([], 2)).toEqual([]);
  });

  it('puts a new story in the newest slice and leaves the older slices as they were', () => {
    const before = searchSlices(stories, 2);
    const after = searchSlices([...stories, { path: '/stories/e/', publishAt: 500 }], 2);
    expect(after.slice(0, 2)).toEqual(before.slice(0, 2));
    expect(after[2]).toEqual({ bundle: before[2]!.bundle, paths: ['/stories/d/', '/stories/e/'] });
  });

  it('moves no slice when a new story starts the next one', () => {
    const full = stories.slice(0, 4);
    const before = searchSlices(full, 2);
    const after = searchSlices([...full, { path: '/stories/e/', publishAt: 500 }], 2);
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after).toHaveLength(before.length + 1);
  });

  it('refuses a slice size that is not a whole number above zero', () => {
    expect(() => searchSlices(stories, 0)).toThrow(/whole number above 0/);
    expect(() => searchSlices(stories, Number('ten'))).toThrow(/whole number above 0/);
  });
});

describe('what Pagefind reads of a page', () => {
  it('leaves out every element marked data-pagefind-ignore, nested ones included', () => {
    const page =
      '<html><body><article data-pagefind-body><p>kept</p></article>' +
      '<aside class="related" data-pagefind-ignore><aside>inner</aside><p>cards</p></aside>' +
      '<p class="tags" data-pagefind-ignore>tags</p><footer>2026</footer></body></html>';
    expect(indexedPart(page)).toBe('<html><body><article data-pagefind-body><p>kept</p></article><footer>2026</footer></body></html>');
    expect(indexedPart('<p>no ignored part</p>')).toBe('<p>no ignored part</p>');
  });
});

// The real pages of this build, indexed in slices of a few stories each: every public story is
// found in exactly one bundle, no locked sentence in any, and a second build re-indexes only the
// slice whose indexed text changed.
describe('the search index in slices, over the built pages', () => {
  const work = mkdtempSync(join(tmpdir(), 'search-slices-'));
  const site = join(work, 'site');
  const cache = join(work, 'cache');
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  cpSync(join(DIST, 'stories'), join(site, 'stories'), { recursive: true });
  cpSync(join(DIST, MANIFEST_PREFIX), join(site, MANIFEST_PREFIX), { recursive: true });

  function fragments(): { bundle: string; url: string; content: string }[] {
    const { bundles } = JSON.parse(readFileSync(join(site, ARCHIVE_LIST), 'utf8')) as { bundles: string[] };
    return ['/pagefind/', ...bundles].flatMap((bundle) => {
      const folder = join(site, bundle, 'fragment');
      expect(existsSync(join(site, bundle, 'pagefind-entry.json')), bundle).toBe(true);
      return readdirSync(folder).map((file) => {
        const data = gunzipSync(readFileSync(join(folder, file))).toString('utf8');
        return { bundle, ...(JSON.parse(data.slice(data.indexOf('{'))) as { url: string; content: string }) };
      });
    });
  }

  it('indexes every published story once, across the bundles, and no locked sentence', async () => {
    const published = await publishedPaths();
    const perIndex = Math.max(1, Math.ceil(published.size / 3));
    const first = await buildSearchIndex(site, { perIndex, cache });
    expect(first.reused).toBe(0);
    const pages = fragments();
    expect(new Set(pages.map((page) => page.bundle)).size).toBe(first.slices);
    expect(first.slices, 'several slices, or this test proves nothing about merging them').toBeGreaterThan(1);
    expect(pages.map((page) => page.url).sort()).toEqual([...published].sort());

    const everything = pages.map((page) => textOf(page.content)).join('\n');
    const stories = sourceStories();
    const withLockedText = stories.filter((story) => story.lockedSentences.length > 0);
    expect(withLockedText.length).toBeGreaterThan(0);
    for (const story of withLockedText) {
      for (const sentence of story.lockedSentences) expect(everything, story.slug).not.toContain(sentence);
    }

    // Built again with nothing changed, every slice comes from the cache.
    expect(await buildSearchIndex(site, { perIndex, cache })).toEqual({ slices: first.slices, indexed: 0, reused: first.slices });

    // A page whose related cards changed is the same to the index; one whose text changed is not.
    const changed = [...published].find((path) => readFileSync(join(site, path, 'index.html'), 'utf8').includes('data-pagefind-ignore')) ?? [...published][0]!;
    const file = join(site, changed, 'index.html');
    const html = readFileSync(file, 'utf8');
    writeFileSync(file, html.replace(/(data-pagefind-ignore[^>]*>)/, '$1<p>A new related card</p>'));
    expect((await buildSearchIndex(site, { perIndex, cache })).indexed).toBe(0);
    writeFileSync(file, html.replace('<div class="story-body">', '<div class="story-body"><p>A correction, indexed at once.</p>'));
    expect(await buildSearchIndex(site, { perIndex, cache })).toEqual({ slices: first.slices, indexed: 1, reused: first.slices - 1 });
    expect(fragments().find((page) => page.url === changed)!.content).toContain('A correction, indexed at once.');
  }, 120_000);
});
