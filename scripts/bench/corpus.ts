// A large archive for the scale benchmarks, made from the demo stories in content/stories/: each
// generated story is a copy of one demo story with its own file name (so its own address and
// meter key), headline, publication date (spread evenly, with jitter, from 1997 to the newest demo
// story) and tags (drawn from the demo stories' tags). Section, author, access level, source and
// picture stay those of the demo story it copies, so every story stays valid for the schema, and
// the pictures (./images/…) are copied along. The body is the demo story's, with its figures
// changed (every number gets other digits of the same length): each body is its own text, as in a
// real archive, so no cache or serializer can share one copy between stories.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { random } from './random.ts';

export interface SourceStory {
  slug: string;
  /** Frontmatter lines, without the `---` fences. */
  frontmatter: string[];
  body: string;
  title: string;
  published: Date;
  tags: string[];
  access?: string;
  section: string;
  hasImage: boolean;
}

export interface CorpusSummary {
  stories: number;
  /** Stories per access level (the frontmatter's, or else the section's default). */
  byAccess: Record<string, number>;
  withImage: number;
  tags: number;
  oldest: Date;
  newest: Date;
}

/** 1 January 1997 in the newsroom (IST): the start of the archive the plans page promises. */
export const ARCHIVE_START = new Date('1997-01-01T06:00:00+05:30');

const FRONTMATTER = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/;

function field(lines: string[], name: string): string | undefined {
  const line = lines.find((candidate) => candidate.startsWith(`${name}:`));
  return line?.slice(name.length + 1).trim();
}

/** A YAML scalar as written in the demo stories: plain, "double-quoted" or 'single-quoted'. */
function scalar(value: string): string {
  if (value.startsWith('"')) return JSON.parse(value) as string;
  if (value.startsWith("'")) return value.slice(1, -1).replaceAll("''", "'");
  return value;
}

/** `[a, b]` or a block list under `tags:`. */
function tagsOf(lines: string[]): string[] {
  const index = lines.findIndex((line) => line.startsWith('tags:'));
  if (index === -1) return [];
  const inline = lines[index]!.slice('tags:'.length).trim();
  if (inline.startsWith('[')) {
    return inline
      .slice(1, -1)
      .split(',')
      .map((tag) => scalar(tag.trim()))
      .filter(Boolean);
  }
  const tags: string[] = [];
  for (const line of lines.slice(index + 1)) {
    const item = /^\s+-\s+(.+)$/.exec(line);
    if (!item) break;
    tags.push(scalar(item[1]!.trim()));
  }
  return tags;
}

/** Reads the stories to copy: every published (non-draft) `.md`/`.mdx` file in `dir`. */
export function readSourceStories(dir: string): SourceStory[] {
  const stories: SourceStory[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (!/\.mdx?$/.test(name)) continue;
    const text = readFileSync(join(dir, name), 'utf8');
    const match = FRONTMATTER.exec(text);
    if (!match) throw new Error(`${name}: no frontmatter`);
    const frontmatter = match[1]!.split(/\r?\n/);
    if (field(frontmatter, 'draft') === 'true') continue;
    const title = field(frontmatter, 'title');
    const published = field(frontmatter, 'published');
    const section = field(frontmatter, 'section');
    if (!title || !published || !section) throw new Error(`${name}: title, published or section missing`);
    const access = field(frontmatter, 'access');
    stories.push({
      slug: name.replace(/\.mdx?$/, ''),
      frontmatter,
      body: match[2]!,
      title: scalar(title),
      published: new Date(scalar(published)),
      tags: tagsOf(frontmatter),
      ...(access ? { access: scalar(access) } : {}),
      section: scalar(section),
      hasImage: frontmatter.some((line) => line.startsWith('image:')),
    });
  }
  if (stories.length === 0) throw new Error(`No published stories in ${dir} to copy`);
  return stories;
}

/** `2003-07-14T09:05:00+05:30`: a time written as the newsroom writes it (IST has no daylight saving). */
export function istTimestamp(date: Date): string {
  const ist = new Date(date.getTime() + 5.5 * 3_600_000);
  return `${ist.toISOString().slice(0, 19)}+05:30`;
}

/** The body with other digits in every number, list numbers at the start of a line kept. */
export function varyFigures(body: string, next: () => number): string {
  return body
    .split('\n')
    .map((line) => {
      const marker = /^\s*\d+[.)]\s/.exec(line)?.[0] ?? '';
      return (
        marker +
        line.slice(marker.length).replace(/\d+/g, (digits) =>
          [...digits].map((digit, index) => (index === 0 && digit !== '0' ? 1 + Math.floor(next() * 9) : Math.floor(next() * 10))).join(''),
        )
      );
    })
    .join('\n');
}

const KICKERS = ['', '', '', 'Analysis: ', 'Explainer: ', 'Update: ', 'Briefing: ', 'From the archive: '];

/** The frontmatter lines that this generator rewrites; every other line is kept as it is. */
const REWRITTEN = new Set(['title', 'published', 'updated', 'tags']);

function rewrite(source: SourceStory, title: string, published: Date, tags: string[]): string {
  const kept: string[] = [];
  let skippingList = false;
  for (const line of source.frontmatter) {
    const name = /^([A-Za-z]\w*):/.exec(line)?.[1];
    if (name) skippingList = REWRITTEN.has(name);
    else if (!/^\s/.test(line)) skippingList = false;
    if (!skippingList) kept.push(line);
  }
  return [
    '---',
    `title: ${JSON.stringify(title)}`,
    `published: ${istTimestamp(published)}`,
    ...(tags.length ? [`tags: [${tags.join(', ')}]`] : []),
    ...kept,
    '---',
    '',
  ].join('\n');
}

export interface CorpusOptions {
  /** How many stories to write. */
  stories: number;
  /** Same seed, same archive. */
  seed?: number;
  /** The newest date a generated story may have (default: the newest demo story, or now if earlier). */
  newest?: Date;
}

/**
 * Writes `options.stories` stories into `targetDir` (created if needed), copied from the stories
 * in `sourceDir`, and the pictures they use (`sourceDir/images/`).
 */
export function writeCorpus(sourceDir: string, targetDir: string, options: CorpusOptions): CorpusSummary {
  const sources = readSourceStories(sourceDir);
  const next = random(options.seed ?? 1);
  const newestSource = Math.max(...sources.map((story) => story.published.getTime()));
  const end = options.newest?.getTime() ?? Math.min(newestSource, Date.now());
  const start = ARCHIVE_START.getTime();
  const pool = [...new Set(sources.flatMap((story) => story.tags))].sort();
  const width = String(options.stories).length;
  const sectionsFile = join(sourceDir, '..', 'sections.json');
  const defaults = new Map<string, string>(
    existsSync(sectionsFile)
      ? (JSON.parse(readFileSync(sectionsFile, 'utf8')) as { id: string; defaultAccess?: string }[]).map((section) => [
          section.id,
          section.defaultAccess ?? 'metered',
        ])
      : [],
  );

  mkdirSync(targetDir, { recursive: true });
  if (existsSync(join(sourceDir, 'images'))) cpSync(join(sourceDir, 'images'), join(targetDir, 'images'), { recursive: true });

  const summary: CorpusSummary = {
    stories: options.stories,
    byAccess: {},
    withImage: 0,
    tags: 0,
    oldest: new Date(end),
    newest: new Date(start),
  };
  const usedTags = new Set<string>();
  const step = options.stories > 1 ? (end - start) / (options.stories - 1) : 0;
  for (let index = 0; index < options.stories; index++) {
    const source = sources[index % sources.length]!;
    // Evenly spread from the start of the archive to `end`, each moved by up to half a step, at a
    // minute the newsroom might publish; never later than `end`.
    const jitter = (next() - 0.5) * step;
    const published = new Date(Math.min(end, Math.max(start, start + index * step + jitter)));
    published.setUTCSeconds(0, 0);
    const year = istTimestamp(published).slice(0, 4);
    const kicker = KICKERS[Math.floor(next() * KICKERS.length)]!;
    const title = `${kicker}${source.title} (${year}, no. ${index + 1})`;
    // The story's own first tag keeps it near its topic; up to two more from the demo's tags.
    const tags = [...new Set([...source.tags.slice(0, 1), ...Array.from({ length: Math.floor(next() * 3) }, () => pool[Math.floor(next() * pool.length)]!)])];
    const slug = `${source.slug}-${String(index + 1).padStart(width, '0')}`;
    writeFileSync(join(targetDir, `${slug}.mdx`), `${rewrite(source, title, published, tags)}${varyFigures(source.body, next)}`);

    const access = source.access ?? defaults.get(source.section) ?? '(section default)';
    summary.byAccess[access] = (summary.byAccess[access] ?? 0) + 1;
    if (source.hasImage) summary.withImage += 1;
    for (const tag of tags) usedTags.add(tag);
    if (published < summary.oldest) summary.oldest = published;
    if (published > summary.newest) summary.newest = published;
  }
  summary.tags = usedTags.size;
  return summary;
}

/**
 * Writes one more story into an archive, as an editor publishes one: a copy of the first story in
 * `sourceDir`, published a minute ago under its own address and headline. Returns its slug.
 */
export function writeNewStory(sourceDir: string, targetDir: string): string {
  const source = readSourceStories(sourceDir)[0]!;
  const slug = `${source.slug}-published-today`;
  const published = new Date(Date.now() - 60_000);
  published.setUTCSeconds(0, 0);
  writeFileSync(join(targetDir, `${slug}.mdx`), `${rewrite(source, `Today: ${source.title}`, published, source.tags)}${source.body}`);
  return slug;
}
