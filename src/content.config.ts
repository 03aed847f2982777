import { defineCollection } from 'astro:content';
import { glob } from 'astro/loaders';
import { z } from 'astro/zod';
import { ACCESS_LEVELS } from './paywall/access.ts';

const slug = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** Frontmatter of a story. Every field an editor can get wrong has a message that says how to fix it. */
export const articleSchema = z.strictObject({
  title: z.string('every story needs a title').trim().min(1, 'the title is empty'),
  standfirst: z
    .string('write a standfirst: one or two sentences under the headline')
    .trim()
    .min(1, 'the standfirst is empty'),
  published: z.coerce.date('write the publication date as 2026-11-20T09:30:00+05:30'),
  author: z.string('name the author').trim().min(1, 'the author is empty'),
  section: z.string('name the section, e.g. world').regex(slug, 'use the section id in lower case, e.g. world'),
  access: z.enum(ACCESS_LEVELS, `access must be one of: ${ACCESS_LEVELS.join(', ')}`),
  /** Agency or syndication line; when set the story carries an agency-copy disclaimer. */
  source: z.string().trim().min(1).optional(),
});

export const collections = {
  articles: defineCollection({
    loader: glob({ pattern: '**/*.{md,mdx}', base: './content/articles' }),
    schema: articleSchema,
  }),
};
