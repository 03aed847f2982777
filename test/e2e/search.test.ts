// Site search in a real browser: the search page's script asks Pagefind's index, under the
// site's content security policy. An exact phrase from a locked part finds nothing; one from a
// public page finds its story, so the check can fail.
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../scripts/local-site.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sourceStories, type SourceStory } from '../content.ts';
import { DIST } from '../dist.ts';
import { sentencesOf, textOf } from '../html.ts';

let browser: Browser;
beforeAll(async () => {
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
});
afterAll(async () => {
  await browser?.close();
});

async function search(query: string): Promise<{ links: string[]; errors: string[] }> {
  const context = await browser.newContext({ baseURL: inject('baseUrl') });
  const page: Page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  await page.goto('/search/');
  await page.fill('input[name="q"]', query);
  await page.press('input[name="q"]', 'Enter');
  await page.waitForFunction(() => /found/.test(document.querySelector('[data-search-status]')?.textContent ?? ''));
  const links = await page.$$eval('[data-search-results] a', (anchors) => anchors.map((anchor) => anchor.getAttribute('href') ?? ''));
  await context.close();
  return { links, errors };
}

/** Six consecutive plain words (letters only, so tokenising cannot split them) as an exact phrase. */
function phraseOf(sentences: string[]): string {
  for (const sentence of sentences) {
    const words = sentence.split(/\s+/);
    for (let first = 0; first + 6 <= words.length; first++) {
      const run = words.slice(first, first + 6);
      if (run.every((word) => /^\p{L}+,?$/u.test(word))) return `"${run.join(' ').replaceAll(',', '')}"`;
    }
  }
  throw new Error('No six plain words in a row to search for');
}

/** Sentences of a built public story page's body. */
function publicSentences(slug: string): string[] {
  const page = readFileSync(join(DIST, 'stories', slug, 'index.html'), 'utf8');
  const start = page.indexOf('<div class="story-body">');
  const body = page.slice(start, page.indexOf('</div>', start));
  return [...body.matchAll(/<p>([\s\S]*?)<\/p>/g)].flatMap((paragraph) => sentencesOf(textOf(paragraph[1]!)));
}

/**
 * A story and a word of its public text that no other story's public text has (letters only, at
 * least five), so that story must be among the results whatever else the index holds.
 */
function storyWithOwnWord(stories: SourceStory[]): [SourceStory, string] {
  const wordsOf = (story: SourceStory) =>
    new Set(publicSentences(story.slug).flatMap((sentence) => sentence.toLowerCase().match(/\p{L}{5,}/gu) ?? []));
  const words = stories.map(wordsOf);
  for (const [index, story] of stories.entries()) {
    const own = [...words[index]!].find((word) => words.every((other, at) => at === index || !other.has(word)));
    if (own) return [story, own];
  }
  throw new Error('No story has a word of its public text that the others lack; the stories are too alike to search for one');
}

describe('site search', () => {
  const stories = sourceStories();
  // One real search per story, each loading the page and Pagefind's index: allow for all of them.
  const perStory = 30_000 + stories.length * 6_000;

  it('finds a story by a word of its public text', async () => {
    const [story, word] = storyWithOwnWord(stories);
    const { links, errors } = await search(word);
    expect(errors).toEqual([]);
    expect(links).toContain(story.path);
  });

  it('finds every story by an exact phrase of its public text', async () => {
    for (const story of stories) {
      const { links } = await search(phraseOf(publicSentences(story.slug)));
      expect(links, story.slug).toContain(story.path);
    }
  }, perStory);

  it('finds no story by an exact phrase of its own locked part', async () => {
    // Other stories may match words of the phrase (stories written to a pattern share many), but
    // only an index holding the locked text would find the story itself, or a page that is not a
    // public story page.
    const publicPages = new Set(stories.map((story) => story.path));
    for (const story of stories.filter((candidate) => candidate.lockedSentences.length)) {
      const { links } = await search(phraseOf(story.lockedSentences));
      expect(links.filter((link) => link === story.path || !publicPages.has(link)), story.slug).toEqual([]);
    }
  }, perStory);
});
