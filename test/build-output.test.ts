import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EMAILS_PATH, FULL_PREFIX, HOOKS, STORY_PREFIX } from '../src/paywall/contract.ts';
import { readWholeManifest } from '../src/paywall/manifest.ts';
import { EMAILS, type EmailName, type Emails } from '../src/paywall/emails.ts';
import { sourceStories } from './content.ts';
import { builtFiles, DIST, readBuilt } from './dist.ts';
import { textOf } from './html.ts';

// Pagefind's own scripts are third-party code (with `{{` in them); its index is checked on its own.
const textFiles = builtFiles().filter((file) => /\.(html|xml|json|txt|css|js|svg)$/.test(file) && !file.startsWith('/pagefind/'));

/**
 * A file as the checks below read it. The emails are templates the edge fills in for each reader,
 * so the placeholders each email has are taken out; any other `{{` is still caught.
 */
function rendered(file: string, content: string): string {
  if (file !== EMAILS_PATH) return content;
  const { templates } = JSON.parse(content) as Emails;
  return Object.entries(templates)
    .map(([name, parts]) => {
      const known = new RegExp(`\\{\\{\\s*(${EMAILS[name as EmailName].join('|')})\\s*\\}\\}`, 'g');
      return Object.values(parts).join('\n').replace(known, '');
    })
    .join('\n');
}

describe('the build output', () => {
  it('has pages to check', () => {
    expect(textFiles.filter((file) => file.endsWith('.html')).length).toBeGreaterThan(10);
  });

  it.each(textFiles)('%s has no unrendered template text', (file) => {
    const content = rendered(file, readBuilt(file).toString('utf8'));
    expect(content).not.toContain('{{');
    expect(content).not.toMatch(/\bundefined\b/);
    expect(content).not.toMatch(/\bNaN\b/);
    expect(content).not.toMatch(/\[object Object\]/);
  });

  it('has no editor preview: no preview pages and no preview bar', () => {
    expect(builtFiles().filter((file) => file.startsWith('/preview/'))).toEqual([]);
    for (const file of textFiles.filter((name) => name.endsWith('.html'))) {
      expect(readBuilt(file).toString('utf8'), file).not.toContain('preview-switch');
    }
  });

  it('keeps locked sentences out of every file outside the guarded folder, and has them inside it', () => {
    const stories = sourceStories().filter((story) => story.lockedSentences.length);
    const outside = textFiles.filter((file) => !file.startsWith(`${FULL_PREFIX}/`));
    for (const file of outside) {
      const text = textOf(readBuilt(file).toString('utf8'));
      for (const story of stories) {
        for (const sentence of story.lockedSentences) expect(text, `${file} holds a locked sentence of ${story.slug}`).not.toContain(sentence);
      }
    }
    for (const story of stories) {
      const full = textOf(readBuilt(join(FULL_PREFIX, story.path, 'index.html')).toString('utf8'));
      for (const sentence of story.lockedSentences) expect(full).toContain(sentence);
    }
  });
});

// Listings keep only their newest pages, so the date archive is the one place every story stays
// reachable from: each story once, on a month page that the archive's contents link to.
describe('the date archive', () => {
  it('lists every story once, on a month page linked from the archive', () => {
    const months = [...readFileSync(join(DIST, 'archive/index.html'), 'utf8').matchAll(/href="(\/archive\/\d{4}\/\d{2}\/)"/g)].map((match) => match[1]!);
    expect(months.length).toBeGreaterThan(0);
    const listed = months.flatMap((month) => {
      const html = readFileSync(join(DIST, month, 'index.html'), 'utf8');
      return [...html.matchAll(new RegExp(`${HOOKS.storyCard}="([^"]+)"`, 'g'))].map((match) => match[1]!);
    });
    expect([...listed].sort()).toEqual(sourceStories().map((story) => story.path).sort());
  });
});

describe('related stories', () => {
  it('are earlier stories only, so that publishing a story changes no page already built', async () => {
    const { stories } = await readWholeManifest(async (path) => JSON.parse(readBuilt(path).toString('utf8')));
    const publishedAt = new Map(stories.map((story) => [story.path, story.publishAt]));
    const files = new Set(builtFiles());
    let suggestions = 0;
    for (const story of stories) {
      const file = `${story.path}index.html`;
      if (!files.has(file)) continue;
      const related = readBuilt(file).toString('utf8').match(/<aside class="related"[^>]*>[\s\S]*?<\/aside>/)?.[0] ?? '';
      for (const [, path] of related.matchAll(new RegExp(`href="(${STORY_PREFIX}/[^"#?]+/)"`, 'g'))) {
        suggestions++;
        expect(publishedAt.get(path!), `${story.path} suggests ${path}`).toBeLessThanOrEqual(story.publishAt);
      }
    }
    expect(suggestions, 'no story page suggests another: give two stories the same section').toBeGreaterThan(0);
  });
});
