import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { ProjectCopy } from './project-copy.ts';
import { MANIFEST_PREFIX, manifestIndexPath } from '../src/paywall/contract.ts';
import type { ManifestIndex } from '../src/paywall/manifest.ts';

// An editor's mistakes stop the build with a message that names the file, the field and what is
// wrong. Each case breaks a story of the test's own, added to a scratch copy of whatever content/
// holds, and runs the real Astro.

const SLUG = 'fixture-ferry-timetable-change';
const STORY = `content/stories/${SLUG}.mdx`;
/** A second story of the test's own that stays as it is: the rest of the site is still built. */
const OTHER = 'fixture-harbour-lights-restored';

const project = new ProjectCopy();
afterAll(() => project.remove());
beforeEach(() => {
  project.resetContent();
  addFixtures();
});

/** Two valid metered stories in a section and by an author the publication has, one with a picture. */
function addFixtures(): void {
  const [section] = JSON.parse(project.read('content/sections.json')) as { id: string }[];
  const [author] = readdirSync(join(project.dir, 'content/authors')).map((file) => file.replace(/\.json$/, ''));
  const story = (title: string, extra: string[]) =>
    [
      '---',
      `title: "${title}"`,
      'standfirst: "A story the content tests add, so that they can break it."',
      'published: 2025-06-02T09:30:00+01:00',
      `author: ${author}`,
      `section: ${section!.id}`,
      'access: metered',
      'tags: [fixture-story]',
      ...extra,
      '---',
      '',
      'The ferry company changed its winter timetable on Monday after a month of complaints.',
      '',
      'Commuters on the early crossing had waited up to forty minutes at the pier each morning.',
      '',
      '<Paywall />',
      '',
      'The new timetable adds two sailings before eight and moves the last one to half past ten.',
      '',
    ].join('\n');
  project.write('content/stories/images/fixture-pier.png', readFileSync('public/logo.png'));
  project.write(STORY, story('Ferry timetable changes after a month of complaints', ['image:', '  src: ./images/fixture-pier.png', '  alt: "A ferry pier at dawn."', '  credit: "Photo: fixture"']));
  project.write(`content/stories/${OTHER}.mdx`, story('Harbour lights restored', []));
}

const frontmatter = (change: (text: string) => string) => project.edit(STORY, change);

describe('frontmatter mistakes are refused with a message saying what to fix', () => {
  it.each([
    ['a missing title', (text: string) => text.replace(/^title: .*\n/m, ''), [SLUG, 'title', 'every story needs a title']],
    ['a date that is not a date', (text: string) => text.replace(/^published: .*$/m, 'published: next tuesday'), [SLUG, 'published', 'Write a real date and time']],
    ['a misspelled access level', (text: string) => text.replace(/^access: .*$/m, 'access: metred'), [SLUG, 'access must be one of: free, metered, premium']],
    ['a picture without alt text', (text: string) => text.replace(/^  alt: .*\n/m, ''), [SLUG, 'image.alt', 'describe the picture']],
    ['an update before publication', (text: string) => text.replace(/^(published: .*)$/m, '$1\nupdated: 2020-01-01T00:00:00+05:30'), [SLUG, 'updated', 'before the publication date']],
    ['an unknown field', (text: string) => text.replace(/^(title: .*)$/m, '$1\nheadline: "Typo for title"'), [SLUG, 'headline']],
  ])('%s', async (_, change, expected) => {
    frontmatter(change);
    const { code, output } = await project.astro('sync');
    expect(code).not.toBe(0);
    for (const text of expected) expect(output).toContain(text);
  });

  it.each([
    ['an unknown section', (text: string) => text.replace(/^section: .*$/m, 'section: no-such-section'), 'section "no-such-section" does not exist'],
    ['an unknown author', (text: string) => text.replace(/^author: .*$/m, 'author: nobody-at-all'), 'author "nobody-at-all" does not exist'],
  ])('%s', async (_, change, expected) => {
    frontmatter(change);
    const { code, output } = await project.astro('build');
    expect(code).not.toBe(0);
    expect(output).toContain(STORY);
    expect(output).toContain(expected);
  });

  it('two stories with the same address', async () => {
    project.write(`content/stories/${SLUG}.md`, project.read(STORY));
    const { code, output } = await project.astro('sync');
    expect(code).not.toBe(0);
    expect(output).toContain(`would both be published at /stories/${SLUG}/`);
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
    expect(existsSync(join(project.dir, `dist/stories/${SLUG}/index.html`))).toBe(false);
    expect(existsSync(join(project.dir, `dist/full/stories/${SLUG}/index.html`))).toBe(false);
    expect(project.read('dist/latest/index.html')).not.toContain(SLUG);
    for (const shard of readdirSync(join(project.dir, `dist${MANIFEST_PREFIX}`))) {
      expect(project.read(`dist${MANIFEST_PREFIX}/${shard}`), shard).not.toContain(SLUG);
    }
    expect(project.read(`dist/stories/${OTHER}/index.html`)).toBeTruthy();
  });
});

describe('embargoed stories', () => {
  it('are built, but left out of the sitemaps, the feed and search until a later build', async () => {
    const nextYear = new Date().getUTCFullYear() + 1;
    frontmatter((text) => text.replace(/^published: .*$/m, `published: ${nextYear}-03-01T09:00:00+05:30 # embargoed until then`));
    const { code, output } = await project.astro('build');
    expect(code, output).toBe(0);
    expect(existsSync(join(project.dir, `dist/stories/${SLUG}/index.html`))).toBe(true);
    const index: ManifestIndex = JSON.parse(project.read(`dist${manifestIndexPath()}`));
    expect(index.pending.find((story) => story.path === `/stories/${SLUG}/`)?.publishAt).toBeGreaterThan(Date.now() / 1000);
    expect(project.read('dist/sitemap-0.xml')).not.toContain(SLUG);
    expect(project.read('dist/rss.xml')).not.toContain(SLUG);
    expect(project.read('dist/news-sitemap.xml')).not.toContain(SLUG);
    expect(project.read('dist/sitemap-0.xml')).toContain(OTHER);
    // Search indexes only pages marked for it; the embargoed one is not.
    expect(project.read(`dist/stories/${SLUG}/index.html`)).not.toContain('data-pagefind-body');
    expect(project.read(`dist/stories/${OTHER}/index.html`)).toContain('data-pagefind-body');
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

describe('experiments', () => {
  it('that vary the same thing at the same time stop the build, naming the file and the field', async () => {
    const [plan] = (JSON.parse(project.read('content/plans.json')) as { plans: { id: string }[] }).plans;
    const arms = [{ name: 'control', weight: 1 }, { name: 'other', weight: 1, highlightedPlan: plan!.id }];
    project.write(
      'content/experiments.json',
      JSON.stringify({
        experiments: [
          { id: 'fixture-first', start: '2030-01-01', end: '2030-02-15', arms },
          { id: 'fixture-second', start: '2030-02-01', end: '2030-03-31', arms },
        ],
      }),
    );
    const { code, output } = await project.astro('build');
    expect(code).not.toBe(0);
    for (const text of ['content/experiments.json is not valid', 'experiments.1.start', 'runs at the same time as "fixture-first"']) expect(output).toContain(text);
  });
});
