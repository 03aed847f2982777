// Reads the stories straight from content/, independently of the build, so the leak tests know
// which sentences are locked without trusting the code under test.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { settings } from '../src/paywall/settings.ts';
import { plainQuotes, sentencesOf } from './html.ts';
import type { SourceStory } from './story.ts';

export type { SourceStory };


const ARTICLES = 'content/articles';

function paragraphs(markdown: string): string[] {
  return markdown.split(/\n\s*\n/).map((block) => block.trim()).filter(Boolean);
}

function lockedMarkdown(body: string): string {
  const [lead, rest] = body.split(/^<Paywall\s*\/>\s*$/m);
  if (rest !== undefined) return rest;
  // No marker: the teaser is the first top-level paragraphs (headings and quotes do not count).
  const blocks = paragraphs(lead!);
  let seen = 0;
  const index = blocks.findIndex((block) => !/^(#|>|[-*] |\d+\. )/.test(block) && ++seen === settings.teaserParagraphs);
  return blocks.slice(index + 1).join('\n\n');
}

/** Sentences as a reader sees them; ones with Markdown typography could change (-- or ...) are left out. */
function plainSentences(markdown: string): string[] {
  const text = plainQuotes(markdown.replace(/^(#+|>)\s*/gm, '').replace(/[*_`]/g, '').replace(/\s+/g, ' '));
  return sentencesOf(text).filter((sentence) => /^[\p{L}\p{N} ,.;:%()'"₹$—–-]+$/u.test(sentence) && !/--|\.\.\./.test(sentence));
}

export function sourceStories(): SourceStory[] {
  return readdirSync(ARTICLES)
    .filter((file) => /\.mdx?$/.test(file))
    .map((file) => {
      const source = readFileSync(join(ARTICLES, file), 'utf8');
      const [, frontmatter = '', body = ''] = source.match(/^---\n([\s\S]*?)\n---\n([\s\S]*)$/) ?? [];
      const access = frontmatter.match(/^access:\s*(\w+)/m)?.[1] as SourceStory['access'];
      const slug = file.replace(/\.mdx?$/, '');
      return {
        slug,
        path: `/articles/${slug}/`,
        access,
        lockedSentences: access === 'free' ? [] : plainSentences(lockedMarkdown(body)),
      };
    });
}
