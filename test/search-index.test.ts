import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { sourceStories } from './content.ts';
import { isSearchFragmentPath } from '../src/paywall/contract.ts';
import { builtFiles, readBuilt } from './dist.ts';
import { sentencesOf, textOf } from './html.ts';

// Site search is built from public pages only: teasers and free stories. The index must hold no
// locked sentence, and must hold the public ones, or this test would prove nothing.

interface Fragment {
  url: string;
  content: string;
}

/** Every fragment of every bundle Pagefind wrote (scripts/search-index.ts): in the assets, or in the R2 archive for an old story's page. */
function indexedPages(): Fragment[] {
  return builtFiles()
    .filter(isSearchFragmentPath)
    .map((file) => {
      const data = gunzipSync(readBuilt(file)).toString('utf8');
      return JSON.parse(data.slice(data.indexOf('{'))) as Fragment;
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
      const page = readBuilt(`${story.path}index.html`).toString('utf8');
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
