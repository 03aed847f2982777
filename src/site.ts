import { createHash } from 'node:crypto';
import { getCollection, type CollectionEntry } from 'astro:content';
import type { Access } from './paywall/access.ts';
import { storyPath } from './paywall/contract.ts';
import { yearMonthOf } from './paywall/dates.ts';
import { settings } from './paywall/settings.ts';
import { readingMinutes } from './stories/reading-time.ts';
import { storedHtmlKey, storedReadingMinutes } from './stories/stored-html.ts';
import sectionsFile from '../content/sections.json' with { type: 'json' };

export type StoryEntry = CollectionEntry<'stories'>;
export type Author = CollectionEntry<'authors'>;
export type Section = CollectionEntry<'sections'>;

/** A story with its references resolved: what every page and feed works from. */
export interface Story {
  entry: StoryEntry;
  id: string;
  path: string;
  access: Access;
  author: Author;
  section: Section;
  /** Publication time in seconds: the edge hides the story until then. */
  publishAt: number;
  readingMinutes: number;
}

let cached: Promise<Story[]> | undefined;

async function load(): Promise<Story[]> {
  const [entries, authors, sections] = await Promise.all([
    getCollection('stories', (article) => import.meta.env.DEV || !article.data.draft),
    getCollection('authors'),
    getCollection('sections'),
  ]);
  return entries
    .map((entry) => {
      const author = authors.find((candidate) => candidate.id === entry.data.author.id);
      const section = sections.find((candidate) => candidate.id === entry.data.section.id);
      // Astro only logs a reference to a missing entry; a story must not be published with one.
      if (!author) {
        throw new Error(
          `${entry.filePath}: author "${entry.data.author.id}" does not exist. Use the name of a file in content/authors/ (without .json): ${authors.map((a) => a.id).join(', ')}.`,
        );
      }
      if (!section) {
        throw new Error(
          `${entry.filePath}: section "${entry.data.section.id}" does not exist. Use one of the ids in content/sections.json: ${sections.map((s) => s.id).join(', ')}.`,
        );
      }
      return {
        entry,
        id: entry.id,
        path: storyPath(entry.id),
        access: entry.data.access ?? section.data.defaultAccess,
        author,
        section,
        publishAt: Math.floor(entry.data.published.getTime() / 1000),
        // Plain stories keep the count instead of their source (src/content.config.ts); MDX ones keep the source.
        readingMinutes: storedReadingMinutes(entry.rendered) ?? readingMinutes(entry.body),
      };
    })
    .sort((a, b) => b.publishAt - a.publishAt);
}

/** Every story this build publishes (drafts only while previewing), newest first. */
export function allStories(): Promise<Story[]> {
  cached ??= load();
  return cached;
}

/** Stories already published when the site is built: what feeds and sitemaps may list. */
export async function storiesPublishedBy(now: Date): Promise<Story[]> {
  return (await allStories()).filter((story) => story.publishAt * 1000 <= now.getTime());
}

export function isLocked(story: Story): boolean {
  return story.access !== 'free';
}

/** Stories by section and by tag, each list newest first: built once per list of stories, so listings and related stories need no scan of the archive each. */
interface StoryIndex {
  bySection: Map<string, Story[]>;
  byTag: Map<string, Story[]>;
}

const storyIndexes = new WeakMap<Story[], StoryIndex>();

export function storyIndexOf(stories: Story[]): StoryIndex {
  let index = storyIndexes.get(stories);
  if (!index) {
    const add = (map: Map<string, Story[]>, key: string, story: Story) => {
      const list = map.get(key);
      if (list) list.push(story);
      else map.set(key, [story]);
    };
    const newestFirst = [...stories].sort((a, b) => b.publishAt - a.publishAt);
    index = { bySection: new Map(), byTag: new Map() };
    for (const story of newestFirst) {
      add(index.bySection, story.section.id, story);
      for (const tag of new Set(story.entry.data.tags)) add(index.byTag, tag, story);
    }
    storyIndexes.set(stories, index);
  }
  return index;
}

/**
 * How many stories of a section or tag, the newest published before the story, are candidates.
 * Comparing every story with every other one made the build quadratic in the archive; this keeps
 * each story's share constant. It picks other stories than a comparison with all would only when
 * an older story, outside the newest of every list it is on, has more tags in common than every
 * newer one: then the newer win.
 */
const CANDIDATES_PER_LIST = 50;

/** Whether `a` came out before `b`; stories of the same second are ordered by id, so exactly one of two is. */
function isEarlier(a: Story, b: Story): boolean {
  return a.publishAt < b.publishAt || (a.publishAt === b.publishAt && a.id < b.id);
}

/** Where the stories published no later than `publishAt` begin in a newest-first list. */
function firstNotAfter(list: Story[], publishAt: number): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (list[middle]!.publishAt > publishAt) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * Up to `count` stories published before this one: same section first, then shared tags, newest
 * first. Earlier ones only, so that publishing a story changes no page already built: a new story
 * appears among the related stories of those published after it, never rewrites the archive's
 * pages (a rebuild would render them again, and a deploy upload them again).
 */
export function relatedTo(story: Story, stories: Story[], count = 3): Story[] {
  const { bySection, byTag } = storyIndexOf(stories);
  const tags = new Set(story.entry.data.tags);
  const candidates = new Set<Story>();
  for (const list of [bySection.get(story.section.id), ...[...tags].map((tag) => byTag.get(tag))]) {
    if (!list) continue;
    const from = firstNotAfter(list, story.publishAt);
    for (const other of list.slice(from, from + CANDIDATES_PER_LIST + 1)) if (isEarlier(other, story)) candidates.add(other);
  }
  const score = (other: Story) =>
    (other.section.id === story.section.id ? 10 : 0) + other.entry.data.tags.filter((tag) => tags.has(tag)).length;
  return [...candidates]
    .filter((other) => score(other) > 0)
    .sort((a, b) => score(b) - score(a) || b.publishAt - a.publishAt)
    .slice(0, count);
}

const pageKeys = new WeakMap<Story, string>();

/**
 * Everything a story's pages are made of that is not code, as one key for Astro's incremental
 * build (astro.config.mjs): a rebuild reuses the previous page while the key is the same. Code,
 * content/*.json and the components a story's MDX imports are tracked by Astro itself; this names
 * the rest: the story with its rendered text, its author and section, the cards of its related
 * stories, whether it is published yet (search engines may index it) and the year in the footer.
 * A story's public and full page share the key, so it is worked out once per story and build.
 */
export function storyPagesKey(story: Story, stories: Story[]): string {
  let key = pageKeys.get(story);
  if (key === undefined) pageKeys.set(story, (key = pagesKey(story, stories, new Date())));
  return key;
}

function pagesKey(story: Story, stories: Story[], now: Date): string {
  const card = (other: Story) => ({
    id: other.id,
    digest: other.entry.digest,
    data: other.entry.data,
    access: other.access,
    author: other.author.data,
    section: other.section.data,
  });
  return createHash('sha256')
    .update(
      JSON.stringify({
        story: card(story),
        // A plain story's HTML file is named by a digest of its source and rules: the same name, the same HTML.
        html: storedHtmlKey(story.entry.rendered) ?? story.entry.rendered?.html,
        related: relatedTo(story, stories).map(card),
        published: story.publishAt * 1000 <= now.getTime(),
        year: now.getFullYear(),
      }),
    )
    .digest('base64url');
}

/** Sections in the order content/sections.json lists them: the order of the navigation and the front page. */
export async function orderedSections(): Promise<Section[]> {
  const sections = await getCollection('sections');
  const order = sectionsFile.map((section) => section.id);
  return sections.sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id));
}

export const ACCESS_LABELS = { free: 'Free', metered: '', premium: 'Premium' } as const;

/**
 * Numbered pages a listing (all stories, a section, an author, a tag) keeps, newest first. Older
 * stories are reached through the date archive instead, so the count of listing pages stays the
 * same however large the archive grows.
 */
const NUMBERED_PAGES = 10;

/** The stories a listing's numbered pages hold, and whether older ones are left to the date archive. */
export function listingStories(stories: Story[]): { stories: Story[]; older: boolean } {
  const room = NUMBERED_PAGES * settings.listingPageSize;
  return { stories: stories.slice(0, room), older: stories.length > room };
}

/**
 * The date archive: one page per month that has a published story, each listing every story of
 * its month, embargoed ones among them for the edge to hide until their time. A month whose only
 * stories are embargoed gets its page at a build after their time, so the page cannot give them away.
 */
export async function archiveMonths(): Promise<{ year: string; month: string; stories: Story[]; published: number }[]> {
  const now = Date.now() / 1000;
  const months = new Map<string, { year: string; month: string; stories: Story[]; published: number }>();
  for (const story of await allStories()) {
    const { year, month } = yearMonthOf(story.entry.data.published);
    const key = `${year}/${month}`;
    let entry = months.get(key);
    if (!entry) months.set(key, (entry = { year, month, stories: [], published: 0 }));
    entry.stories.push(story);
    if (story.publishAt <= now) entry.published++;
  }
  return [...months.values()].filter((entry) => entry.published > 0);
}

export const archivePath = (year?: string, month?: string) => (year && month ? `/archive/${year}/${month}/` : '/archive/');
export const sectionPath = (id: string) => `/sections/${id}/`;
export const authorPath = (id: string) => `/authors/${id}/`;
export const tagPath = (tag: string) => `/tags/${tag}/`;
