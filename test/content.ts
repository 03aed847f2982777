// Reads the stories straight from content/, independently of the build, so the leak tests know
// which sentences are locked without trusting the code under test.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Access } from '../src/paywall/access.ts';
import { settings } from '../src/paywall/settings.ts';
import { plainQuotes, sentencesOf } from './html.ts';
import type { SourceStory } from './story.ts';

export type { SourceStory };

const ARTICLES = 'content/stories';

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

/** An article without `access` takes its section's default (content/sections.json). */
function sectionDefaults(): Map<string, SourceStory['access']> {
  const sections: { id: string; defaultAccess?: SourceStory['access'] }[] = JSON.parse(readFileSync('content/sections.json', 'utf8'));
  return new Map(sections.map((section) => [section.id, section.defaultAccess ?? 'metered']));
}

/** `tags: [a, b]`, or a block list of `- a` lines under `tags:`. */
function tagsOf(frontmatter: string): string[] {
  const [, inline, block = ''] = frontmatter.match(/^tags:[ \t]*(\[.*\])?[ \t]*(?:\n((?:[ \t]+-.*(?:\n|$))*))?/m) ?? [];
  const items = inline ? inline.slice(1, -1).split(',') : block.split('\n').map((line) => line.replace(/^\s*-/, ''));
  return items.map((tag) => tag.trim().replace(/^["']|["']$/g, '')).filter(Boolean);
}

export function sourceStories(): SourceStory[] {
  const defaults = sectionDefaults();
  return readdirSync(ARTICLES)
    .filter((file) => /\.mdx?$/.test(file))
    .map((file) => ({ file, source: readFileSync(join(ARTICLES, file), 'utf8') }))
    // Drafts are never built for production.
    .filter(({ source }) => !/^draft:\s*true\s*$/m.test(source.split(/\n---\n/)[0]!))
    .map(({ file, source }) => {
      const [, frontmatter = '', body = ''] = source.match(/^---\n([\s\S]*?)\n---\n([\s\S]*)$/) ?? [];
      const section = frontmatter.match(/^section:\s*([\w-]+)/m)?.[1] ?? '';
      const access = (frontmatter.match(/^access:\s*(\w+)/m)?.[1] as SourceStory['access'] | undefined) ?? defaults.get(section)!;
      const slug = file.replace(/\.mdx?$/, '');
      return {
        slug,
        path: `/stories/${slug}/`,
        access,
        section,
        tags: tagsOf(frontmatter),
        lockedSentences: access === 'free' ? [] : plainSentences(lockedMarkdown(body)),
      };
    });
}

/**
 * The stories of one access level, when the publication has at least `atLeast` of them. A test
 * that needs them fails with a message saying what the publication lacks, rather than passing
 * without checking anything.
 */
export function sourceStoriesWith(access: Access, atLeast = 1, purpose = ''): SourceStory[] {
  const stories = sourceStories().filter((story) => story.access === access);
  if (stories.length < atLeast) {
    throw new Error(
      `The publication under test has ${stories.length} ${access} ${stories.length === 1 ? 'story' : 'stories'}; this test needs at least ${atLeast}${purpose}. Add ${access} stories to content/stories/.`,
    );
  }
  return stories;
}

/** The first story of an access level; fails with a clear message when there is none. */
export function sourceStoryWith(access: Access): SourceStory {
  return sourceStoriesWith(access)[0]!;
}

/** The metered stories, when there are more than the monthly allowance: enough to meet the wall. */
export function meteredBeyondAllowance(): SourceStory[] {
  const limit = settings.freeStoriesPerMonth;
  return sourceStoriesWith('metered', limit + 1, ` (one more than freeStoriesPerMonth, ${limit}, to meet the wall)`);
}
