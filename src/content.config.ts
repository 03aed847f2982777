import { defineCollection, reference, type SchemaContext } from 'astro:content';
import { file, glob } from 'astro/loaders';
import { z } from 'astro/zod';
import { ACCESS_LEVELS } from './paywall/access.ts';

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
      published: z.coerce.date('write the publication date as 2026-11-20T09:30:00+05:30'),
      updated: z.coerce.date('write the update date as 2026-11-21T18:00:00+05:30').optional(),
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

export const collections = {
  stories: defineCollection({
    loader: glob({ pattern: '**/*.{md,mdx}', base: './content/stories', generateId: storyId }),
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
