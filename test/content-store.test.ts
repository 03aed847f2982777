// The content layer's data store is held whole in memory by every build and bundled as one module,
// so it must not grow with the text of the archive: a plain story keeps neither its source nor its
// HTML there, only a file name (src/stories/stored-html.ts). Read after `npm run build`.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { asMarkdown } from '../src/stories/markdown.ts';
import { sourceStories } from './content.ts';
import { plainQuotes, textOf } from './html.ts';

const CACHE = 'node_modules/.astro';

describe('the content store after a build', () => {
  const store = plainQuotes(readFileSync(join(CACHE, 'data-store.json'), 'utf8'));
  const html = readdirSync(join(CACHE, 'story-html')).map((file) => plainQuotes(textOf(readFileSync(join(CACHE, 'story-html', file), 'utf8'))));

  it('holds no sentence of a plain story, which its HTML file holds instead', () => {
    const files = new Map(readdirSync('content/stories').map((file) => [file.replace(/\.mdx?$/, ''), file]));
    const plain = sourceStories().filter((story) => {
      const source = readFileSync(join('content/stories', files.get(story.slug)!), 'utf8');
      return asMarkdown(source.replace(/^---\n[\s\S]*?\n---\n/, '')) !== undefined;
    });
    // Quotes and backslashes are escaped in the store's JSON: such a sentence would not be found either way.
    const sentences = plain.flatMap((story) => story.lockedSentences.filter((sentence) => !/["\\]/.test(sentence)));
    expect(sentences.length, 'no plain story with a locked sentence to look for: add one to content/stories/').toBeGreaterThan(0);
    for (const sentence of sentences) {
      expect(store).not.toContain(sentence);
      expect(html.some((page) => page.includes(sentence)), sentence).toBe(true);
    }
  });
});
