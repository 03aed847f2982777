import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { ProjectCopy } from './project-copy.ts';
import { manifestIndexPath } from '../src/paywall/contract.ts';
import type { ManifestIndex } from '../src/paywall/manifest.ts';

// An editor's mistakes stop the build with a message that names the file, the field and what is
// wrong. Each case breaks one story in a scratch copy and runs the real Astro.

const STORY = 'content/stories/port-container-berth-expansion.mdx';
const project = new ProjectCopy();
afterAll(() => project.remove());
beforeEach(() => project.resetContent());

const frontmatter = (change: (text: string) => string) => project.edit(STORY, change);

describe('frontmatter mistakes are refused with a message saying what to fix', () => {
  it.each([
    ['a missing title', (text: string) => text.replace(/^title: .*\n/m, ''), ['port-container-berth-expansion', 'title', 'every story needs a title']],
    ['a date that is not a date', (text: string) => text.replace(/^published: .*$/m, 'published: next tuesday'), ['port-container-berth-expansion', 'published', 'Write a real date and time']],
    ['a misspelled access level', (text: string) => text.replace(/^access: .*$/m, 'access: metred'), ['port-container-berth-expansion', 'access must be one of: free, metered, premium']],
    ['a picture without alt text', (text: string) => text.replace(/^  alt: .*\n/m, ''), ['port-container-berth-expansion', 'image.alt', 'describe the picture']],
    ['an update before publication', (text: string) => text.replace(/^(published: .*)$/m, '$1\nupdated: 2020-01-01T00:00:00+05:30'), ['port-container-berth-expansion', 'updated', 'before the publication date']],
    ['an unknown field', (text: string) => text.replace(/^(title: .*)$/m, '$1\nheadline: "Typo for title"'), ['port-container-berth-expansion', 'headline']],
  ])('%s', async (_, change, expected) => {
    frontmatter(change);
    const { code, output } = await project.astro('sync');
    expect(code).not.toBe(0);
    for (const text of expected) expect(output).toContain(text);
  });

  it.each([
    ['an unknown section', (text: string) => text.replace(/^section: .*$/m, 'section: busines'), 'section "busines" does not exist'],
    ['an unknown author', (text: string) => text.replace(/^author: .*$/m, 'author: nobody-at-all'), 'author "nobody-at-all" does not exist'],
  ])('%s', async (_, change, expected) => {
    frontmatter(change);
    const { code, output } = await project.astro('build');
    expect(code).not.toBe(0);
    expect(output).toContain(STORY);
    expect(output).toContain(expected);
  });

  it('two stories with the same address', async () => {
    project.write('content/stories/port-container-berth-expansion.md', project.read(STORY));
    const { code, output } = await project.astro('sync');
    expect(code).not.toBe(0);
    expect(output).toContain('would both be published at /stories/port-container-berth-expansion/');
  });
});

describe('impossible dates stop the build instead of silently moving the story', () => {
  // YAML would roll each of these over into a real date in a later month, and the story would
  // vanish under embargo until then.
  it.each([
    ['2026-02-30', 'February 2026 has 28 days'],
    ['2026-13-45', 'month 13'],
    ['2026-02-30T09:00:00+05:30', 'February 2026 has 28 days'],
    ['2026-11-31', 'November 2026 has 30 days'],
  ])('published: %s', async (date, reason) => {
    frontmatter((text) => text.replace(/^published: .*$/m, `published: ${date}`));
    const { code, output } = await project.astro('build');
    expect(code).not.toBe(0);
    for (const text of [STORY, `published "${date}"`, reason, 'Write a real date and time, e.g. published: ']) expect(output).toContain(text);
  });
});

describe('drafts', () => {
  it('are never built for production', async () => {
    frontmatter((text) => text.replace(/^(title: .*)$/m, '$1\ndraft: true'));
    const { code, output } = await project.astro('build');
    expect(code, output).toBe(0);
    expect(existsSync(join(project.dir, 'dist/stories/port-container-berth-expansion/index.html'))).toBe(false);
    expect(existsSync(join(project.dir, 'dist/full/stories/port-container-berth-expansion/index.html'))).toBe(false);
    expect(project.read('dist/index.html')).not.toContain('port-container-berth-expansion');
    expect(project.read('dist/stories/storm-drain-audit-kesarbandar/index.html')).toBeTruthy();
  });
});

describe('embargoed stories', () => {
  it('are built, but left out of the sitemaps, the feed and search until a later build', async () => {
    const nextYear = new Date().getUTCFullYear() + 1;
    frontmatter((text) => text.replace(/^published: .*$/m, `published: ${nextYear}-03-01T09:00:00+05:30 # embargoed until then`));
    const { code, output } = await project.astro('build');
    expect(code, output).toBe(0);
    const slug = 'port-container-berth-expansion';
    expect(existsSync(join(project.dir, `dist/stories/${slug}/index.html`))).toBe(true);
    const index: ManifestIndex = JSON.parse(project.read(`dist${manifestIndexPath()}`));
    expect(index.pending.find((story) => story.path === `/stories/${slug}/`)?.publishAt).toBeGreaterThan(Date.now() / 1000);
    expect(project.read('dist/sitemap-0.xml')).not.toContain(slug);
    expect(project.read('dist/rss.xml')).not.toContain(slug);
    expect(project.read('dist/news-sitemap.xml')).not.toContain(slug);
    expect(project.read('dist/sitemap-0.xml')).toContain('storm-drain-audit-kesarbandar');
    // Search indexes only pages marked for it; the embargoed one is not.
    expect(project.read(`dist/stories/${slug}/index.html`)).not.toContain('data-pagefind-body');
    expect(project.read('dist/stories/storm-drain-audit-kesarbandar/index.html')).toContain('data-pagefind-body');
  });

  it('give away nothing through a tag that only they use, until a build after their time', async () => {
    const tag = 'secret-takeover-talks';
    const nextYear = new Date().getUTCFullYear() + 1;
    frontmatter((text) =>
      text
        .replace(/^published: .*$/m, `published: ${nextYear}-03-01T09:00:00+05:30`)
        .replace(/^tags: \[(.*)\]$/m, `tags: [$1, ${tag}]`),
    );
    let { code, output } = await project.astro('build');
    expect(code, output).toBe(0);
    expect(existsSync(join(project.dir, `dist/tags/${tag}/index.html`))).toBe(false);
    expect(project.read('dist/sitemap-0.xml')).not.toContain(tag);

    // Once it is published, the same tag gets its page and its sitemap entry.
    frontmatter((text) => text.replace(/^published: .*$/m, 'published: 2026-01-05T09:00:00+05:30'));
    ({ code, output } = await project.astro('build'));
    expect(code, output).toBe(0);
    expect(existsSync(join(project.dir, `dist/tags/${tag}/index.html`))).toBe(true);
    expect(project.read('dist/sitemap-0.xml')).toContain(`/tags/${tag}/`);
  });
});
