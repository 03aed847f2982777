import { getCollection, type CollectionEntry } from 'astro:content';
import type { Access } from './paywall/access.ts';
import { storyPath } from './paywall/contract.ts';
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

const WORDS_PER_MINUTE = 220;

/** Minutes to read the whole story: a number only, so no text of the story leaves the build this way. */
function readingMinutes(body: string | undefined): number {
  const words = (body ?? '')
    .replace(/^import .*$/gm, '')
    .replace(/<[^>]+>/g, ' ')
    .split(/\s+/)
    .filter((word) => /[\p{L}\p{N}]/u.test(word)).length;
  return Math.max(1, Math.ceil(words / WORDS_PER_MINUTE));
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
        readingMinutes: readingMinutes(entry.body),
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

/** Up to `count` other stories: same section first, then shared tags, newest first. */
export function relatedTo(story: Story, stories: Story[], count = 3): Story[] {
  const tags = new Set(story.entry.data.tags);
  const score = (other: Story) =>
    (other.section.id === story.section.id ? 10 : 0) + other.entry.data.tags.filter((tag) => tags.has(tag)).length;
  return stories
    .filter((other) => other.id !== story.id && score(other) > 0)
    .sort((a, b) => score(b) - score(a) || b.publishAt - a.publishAt)
    .slice(0, count);
}

/** Sections in the order content/sections.json lists them: the order of the navigation and the front page. */
export async function orderedSections(): Promise<Section[]> {
  const sections = await getCollection('sections');
  const order = sectionsFile.map((section) => section.id);
  return sections.sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id));
}

export const ACCESS_LABELS = { free: 'Free', metered: '', premium: 'Premium' } as const;

export const sectionPath = (id: string) => `/sections/${id}/`;
export const authorPath = (id: string) => `/authors/${id}/`;
export const tagPath = (tag: string) => `/tags/${tag}/`;
