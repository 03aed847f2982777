import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ARCHIVE_LIST } from '../scripts/search-index.ts';
import { sourceStories } from './content.ts';
import { DIST } from './dist.ts';
import { sentencesOf, textOf } from './html.ts';

// Site search is built from public pages only: teasers and free stories. The index must hold no
// locked sentence, and must hold the public ones, or this test would prove nothing.

interface Fragment {
  url: string;
  content: string;
}

/** Every page of every bundle: the main one and the archive's (scripts/search-index.ts). */
function indexedPages(): Fragment[] {
  const { bundles } = JSON.parse(readFileSync(join(DIST, ARCHIVE_LIST), 'utf8')) as { bundles: string[] };
  return ['/pagefind/', ...bundles].flatMap((bundle) => {
    const folder = join(DIST, bundle, 'fragment');
    return readdirSync(folder).map((file) => {
      const data = gunzipSync(readFileSync(join(folder, file))).toString('utf8');
      return JSON.parse(data.slice(data.indexOf('{'))) as Fragment;
    });
  });
}

describe('the search index', () => {
  const pages = indexedPages();
  const stories = sourceStories();

  it('has every story and nothing but public story pages', () => {
    expect(pages.map((page) => page.url).sort()).toEqual(stories.map((story) => story.path).sort());
  });

  it('holds no locked sentence', () => {
    const everything = pages.map((page) => textOf(page.content)).join('\n');
    for (const story of stories) {
      for (const sentence of story.lockedSentences) expect(everything, story.slug).not.toContain(sentence);
    }
  });

  it('holds the public text: free stories in full, and the lead-in of locked ones', () => {
    for (const story of stories) {
      const page = readFileSync(join(DIST, story.path, 'index.html'), 'utf8');
      const start = page.indexOf('<div class="story-body">');
      const body = page.slice(start, page.indexOf('</div>', start));
      const indexed = textOf(pages.find((candidate) => candidate.url === story.path)!.content);
      // Sentence by paragraph: the index joins elements with its own spacing.
      const sentences = [...body.matchAll(/<p>([\s\S]*?)<\/p>/g)].flatMap((paragraph) => sentencesOf(textOf(paragraph[1]!)));
      expect(sentences.length, story.slug).toBeGreaterThan(0);
      for (const sentence of sentences) expect(indexed, story.slug).toContain(sentence);
    }
  });
});
