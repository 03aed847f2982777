// Publishing one story into a large archive should not pay for the whole archive again. Astro keeps
// its content layer's data store, each plain-Markdown story's rendered HTML and, with
// experimental.incrementalBuild, a copy of every story page in node_modules/.astro between builds
// (the folder CI caches, see docs/architecture.md): a rebuild renders only the stories that
// changed and the pages whose cacheKey (src/site.ts storyPagesKey) changed, an embargo that has
// passed included. What a rebuild writes must be exactly what a build from nothing writes, or a
// stale page would reach readers.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { filesUnder } from '../scripts/bench/files.ts';
import { sourceStories, type SourceStory } from './content.ts';
import { textOf } from './html.ts';
import { ProjectCopy } from './project-copy.ts';

const project = new ProjectCopy();
afterAll(() => project.remove());

const STORIES = 'content/stories';

function output(): Map<string, Buffer> {
  const dist = join(project.dir, 'dist');
  return new Map(filesUnder(dist).map((file) => [file, readFileSync(join(dist, file))]));
}

function page(path: string): string {
  return readFileSync(join(project.dir, 'dist', path, 'index.html'), 'utf8');
}

function sourceFile(slug: string): string {
  return readdirSync(join(project.dir, STORIES)).find((file) => file.replace(/\.mdx?$/, '') === slug)!;
}

function withTitle(source: string, title: string): string {
  return source.replace(/^title: .*$/m, `title: ${JSON.stringify(title)}`);
}

/** Story pages the build took from the previous build instead of rendering them. */
function reused(log: string): Set<string> {
  return new Set([...log.matchAll(/(\/\S*stories\/[^/\s]+\/)index\.html \((?:restored|cached)\)/g)].map((match) => match[1]!));
}

/** A story page that links to another story: its related cards, which a new headline must reach. */
function linkedPair(stories: SourceStory[]): { page: SourceStory; linked: SourceStory } {
  for (const story of stories) {
    const html = page(story.path);
    const linked = stories.find((other) => other !== story && html.includes(`href="${other.path}"`));
    if (linked) return { page: story, linked };
  }
  throw new Error('No story page links to another story, so related cards cannot be checked. Give two stories the same section.');
}

describe('a rebuild with the previous build’s cache', () => {
  it('reuses unchanged story pages and writes the same files as a build from nothing', async () => {
    const stories = sourceStories();
    const locked = stories.find((story) => story.access !== 'free' && story.lockedSentences.length > 0);
    if (!locked) throw new Error('The publication has no locked story with plain sentences behind the wall; add one to content/stories/.');

    // A story that needs the MDX compiler (an export, an expression, an MDX comment), beside the
    // plain ones the content layer renders as Markdown: both must be cut at the same wall.
    const mdxSlug = `mdx-${locked.slug}`;
    project.write(
      join(STORIES, `${mdxSlug}.mdx`),
      withTitle(project.read(join(STORIES, sourceFile(locked.slug))), 'A story written with MDX').replace(
        /\n---\n/,
        "\n---\n\nexport const desk = 'the data desk';\n\n{/* a note for editors, never printed */}\n\nFigures checked by {desk.toUpperCase()}.\n\n",
      ),
    );

    // A story under embargo for a minute: its page is built, but not for search engines, until a
    // build after that minute, which must render it again rather than reuse it.
    const embargoed = stories.find((story) => story.slug !== locked.slug)!;
    const embargoedPath = `/stories/embargo-${embargoed.slug}/`;
    const publishAt = Date.now() + 60_000;
    project.write(
      join(STORIES, `embargo-${embargoed.slug}.mdx`),
      withTitle(project.read(join(STORIES, sourceFile(embargoed.slug))), 'A story under embargo').replace(
        /^published: .*$/m,
        `published: ${new Date(publishAt).toISOString()}`,
      ),
    );

    let { code, output: log } = await project.astro('build');
    expect(code, log).toBe(0);
    expect(existsSync(join(project.dir, 'node_modules/.astro/data-store.json'))).toBe(true);

    const teaser = textOf(page(`stories/${mdxSlug}`));
    const full = textOf(page(`full/stories/${mdxSlug}`));
    expect(teaser).toContain('Figures checked by THE DATA DESK.');
    expect(teaser).not.toContain('a note for editors');
    for (const sentence of locked.lockedSentences) {
      expect(teaser).not.toContain(sentence);
      expect(full).toContain(sentence);
    }

    expect(page(embargoedPath), 'built before its time: not indexed').not.toContain('data-pagefind-body');
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, publishAt - Date.now() + 1000)));

    // An editor corrects a headline: the story's pages and every page carrying its card change.
    const { page: neighbour, linked: corrected } = linkedPair(stories);
    const headline = 'A corrected headline that must reach every card';
    project.edit(join(STORIES, sourceFile(corrected.slug)), (source) => withTitle(source, headline));
    ({ code, output: log } = await project.astro('build'));
    expect(code, log).toBe(0);
    let reusedPages = reused(log);
    expect(reusedPages).not.toContain(corrected.path);
    expect(reusedPages).not.toContain(neighbour.path);
    expect(reusedPages, 'the embargo has passed').not.toContain(embargoedPath);
    expect(page(embargoedPath)).toContain('data-pagefind-body');
    expect(textOf(page(neighbour.path))).toContain(headline);

    // Then publishes a new story.
    const added = `follow-up-${neighbour.slug}`;
    project.write(join(STORIES, `${added}.mdx`), withTitle(project.read(join(STORIES, sourceFile(neighbour.slug))), 'A follow-up to an earlier story'));
    ({ code, output: log } = await project.astro('build'));
    expect(code, log).toBe(0);
    reusedPages = reused(log);
    expect(reusedPages.size, log).toBeGreaterThan(0);
    expect(reusedPages).not.toContain(`/stories/${added}/`);
    const rebuilt = output();

    rmSync(join(project.dir, 'node_modules/.astro'), { recursive: true, force: true });
    ({ code, output: log } = await project.astro('build'));
    expect(code, log).toBe(0);
    expect(reused(log).size).toBe(0);
    const fresh = output();

    expect([...rebuilt.keys()].sort()).toEqual([...fresh.keys()].sort());
    const differing = [...fresh].filter(([file, bytes]) => !rebuilt.get(file)?.equals(bytes)).map(([file]) => file);
    expect(differing).toEqual([]);
  }, 600_000);
});
