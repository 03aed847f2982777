import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineCollection, reference, type SchemaContext } from 'astro:content';
import { file, glob, type Loader } from 'astro/loaders';
import { z } from 'astro/zod';
import { DateFieldError, exampleDate, parseEditorDate, rawFields } from './frontmatter/dates.ts';
import { ACCESS_LEVELS } from './paywall/access.ts';
import { settings } from './paywall/settings.ts';
import { asMarkdown, MARKDOWN_RULES } from './stories/markdown.ts';
import { pruneStoredHtml, storedHtmlKey, storeHtml } from './stories/stored-html.ts';

/** What the loader stores for a plain story; a change empties the store, as a change of rules does. */
const STORED_FORMAT = 'html in a file of its own, reading time, no source';

/** Plain stories rendered at once in content sync: enough to keep two cores busy, few enough that memory does not grow with the archive. */
const RENDERS_AT_ONCE = 16;

const slug = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** A story's URL comes from its file name alone, so two files may not share one. */
const storyFiles = new Map<string, string>();
function storyId({ entry }: { entry: string }): string {
  const id = entry.replace(/^.*\//, '').replace(/\.mdx?$/, '');
  if (!slug.test(id)) {
    throw new Error(
      `content/stories/${entry}: the file name is the story's address, so use lower-case letters, digits and hyphens only, e.g. monsoon-drains.mdx`,
    );
  }
  const other = storyFiles.get(id);
  if (other && other !== entry) {
    throw new Error(
      `content/stories/${entry} and content/stories/${other} would both be published at /stories/${id}/. Rename one of them.`,
    );
  }
  storyFiles.set(id, entry);
  return id;
}

/** Frontmatter of a story. Every field an editor can get wrong has a message that says how to fix it. */
export const storySchema = ({ image }: SchemaContext) =>
  z
    .strictObject({
      title: z.string('every story needs a title').trim().min(1, 'the title is empty'),
      standfirst: z
        .string('write a standfirst: one or two sentences under the headline')
        .trim()
        .min(1, 'the standfirst is empty'),
      published: z.date(`write the publication date as ${exampleDate(settings.timeZone)}`),
      updated: z.date(`write the update date as ${exampleDate(settings.timeZone)}`).optional(),
      author: reference('authors'),
      section: reference('sections'),
      /** Falls back to the section's default access. */
      access: z.enum(ACCESS_LEVELS, `access must be one of: ${ACCESS_LEVELS.join(', ')}`).optional(),
      tags: z.array(z.string().regex(slug, 'write tags in lower case with hyphens, e.g. monsoon or coastal-economy')).default([]),
      image: z
        .strictObject({
          src: image(),
          alt: z.string('describe the picture in "alt" for readers who cannot see it').trim().min(1, 'the picture needs alt text'),
          credit: z.string('credit the picture: who took or made it').trim().min(1, 'the picture needs a credit'),
        })
        .optional(),
      /** Agency or syndication line; when set the story carries an agency-copy disclaimer. */
      source: z.string().trim().min(1).optional(),
      /** For syndicated copy: the original's address, used as the page's canonical URL. */
      canonical: z.url('canonical must be the full address of the original, e.g. https://…').optional(),
      /** Drafts are previewed with `npm run dev` and never built for production. */
      draft: z.boolean().default(false),
    })
    .refine((data) => !data.updated || data.updated >= data.published, {
      path: ['updated'],
      message: 'the update date is before the publication date',
    });

export const authorSchema = z.strictObject({
  name: z.string().trim().min(1),
  role: z.string().trim().min(1),
  bio: z.string().trim().min(1),
});

export const sectionSchema = z.strictObject({
  id: z.string().regex(slug),
  name: z.string().trim().min(1),
  description: z.string().trim().min(1),
  defaultAccess: z.enum(ACCESS_LEVELS).default('metered'),
});

/** Frontmatter fields that hold dates, checked from the text the editor wrote. */
const DATE_FIELDS = ['published', 'updated'] as const;

/**
 * The dates of a story as its editor wrote them: each one checked as a real calendar date in a
 * sane range, and read in the newsroom's time zone when it has no offset. A bad one stops the
 * build with the file, the field, the value and an example of a valid one.
 */
async function checkedDates<T extends Record<string, unknown>>(filePath: string, data: T): Promise<T> {
  const raw = rawFields(await readFile(filePath, 'utf8'), DATE_FIELDS);
  const checked: Record<string, unknown> = { ...data };
  for (const [field, text] of raw) {
    try {
      checked[field] = parseEditorDate(text, settings.timeZone);
    } catch (error) {
      if (!(error instanceof DateFieldError)) throw error;
      throw new Error(
        `${relative(process.cwd(), filePath)}: ${field} "${text}" ${error.message}. Write a real date and time, e.g. ${field}: ${exampleDate(settings.timeZone)}`,
      );
    }
  }
  return checked as T;
}

/**
 * Stories are found by the glob loader; their dates are checked on the way in. A story whose body
 * is plain Markdown (src/stories/markdown.ts) is rendered here, once, and its HTML kept in a file
 * of its own (src/stories/stored-html.ts), so it never becomes an MDX module for Vite to compile;
 * the rest stay MDX, with their source, which their reading time is counted from. The store and
 * the files are kept between builds, so a rebuild renders only the stories that changed.
 */
function storiesLoader(): Loader {
  const files = glob({ pattern: '**/*.{md,mdx}', base: './content/stories', generateId: storyId });
  return {
    ...files,
    name: 'stories',
    load: async (context) => {
      const rules = context.generateDigest({ rules: MARKDOWN_RULES, stored: STORED_FORMAT });
      if (context.meta.get('markdown-rules') !== rules) {
        context.store.clear();
        context.meta.set('markdown-rules', rules);
      }
      const root = fileURLToPath(context.config.root);
      // The glob loader reads files faster than they render, and does not wait for a render: a
      // render started for every story at once would hold every story's syntax tree in memory.
      const renders = new Set<Promise<void>>();
      let failure: unknown;
      const store: typeof context.store = {
        ...context.store,
        set: (entry) => {
          const markdown = entry.deferredRender && entry.body !== undefined ? asMarkdown(entry.body) : undefined;
          if (markdown === undefined || entry.body === undefined || !entry.filePath) return context.store.set(entry);
          const fileURL = new URL(entry.filePath, context.config.root);
          // Neither the HTML nor the source stays in the store (src/stories/stored-html.ts): the
          // HTML goes to a file of its own, named by the source's digest and the rules.
          const { body, ...withoutBody } = entry;
          const key = context.generateDigest({ source: entry.digest ?? body, rules });
          const render = context.renderMarkdown(markdown, { fileURL }).then(
            async (rendered) => {
              const imagePaths = rendered.metadata?.imagePaths ?? [];
              const stored = await storeHtml(root, key, rendered.html, body, imagePaths);
              context.store.set({ ...withoutBody, deferredRender: false, rendered: stored, assetImports: imagePaths });
            },
            // Whatever Markdown cannot render, MDX still can, and reports with the file's name.
            () => void context.store.set(entry),
          );
          const settled: Promise<void> = render.then(
            () => void renders.delete(settled),
            (error: unknown) => {
              renders.delete(settled);
              failure ??= error;
            },
          );
          renders.add(settled);
          return true;
        },
      };
      await files.load({
        ...context,
        store,
        parseData: async (entry) => {
          // Each story is parsed before it is stored: the place to wait while enough renders are under way.
          while (renders.size >= RENDERS_AT_ONCE) await Promise.race(renders);
          return context.parseData({ ...entry, data: entry.filePath ? await checkedDates(entry.filePath, entry.data) : entry.data });
        },
      });
      await Promise.all(renders);
      if (failure !== undefined) throw failure;
      const stored = context.store.values().map((entry) => storedHtmlKey(entry.rendered));
      await pruneStoredHtml(root, new Set(stored.filter((key) => key !== undefined)));
    },
  };
}

export const collections = {
  stories: defineCollection({
    loader: storiesLoader(),
    schema: storySchema,
  }),
  authors: defineCollection({
    loader: glob({ pattern: '*.json', base: './content/authors' }),
    schema: authorSchema,
  }),
  sections: defineCollection({
    loader: file('./content/sections.json'),
    schema: sectionSchema,
  }),
};
