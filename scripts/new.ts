// Starts a new story: writes content/stories/<slug>.mdx with complete frontmatter and prints
// its path and the address it will have.
//   npm run new -- "Headline" --section <section> [--access free|metered|premium] [--author <id>]
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ACCESS_LEVELS, type Access } from '../src/paywall/access.ts';
import { storyPath } from '../src/paywall/contract.ts';
import { settings } from '../src/paywall/settings.ts';

const ROOT = new URL('../', import.meta.url);
const USAGE = 'Usage: npm run new -- "Headline" --section <section> [--access free|metered|premium] [--author <author-id>]';

export class ScaffoldError extends Error {
  override name = 'ScaffoldError';
}

/** "Monsoon: 30% of drains blocked!" → "monsoon-30-of-drains-blocked" */
export function slugOf(headline: string): string {
  return headline
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80)
    .replace(/-+$/, '');
}

/** Today's date and time in the newsroom's time zone, with its offset: 2026-11-24T14:05:00+05:30. */
export function nowInNewsroom(now: Date, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'longOffset',
    })
      .formatToParts(now)
      .map((part) => [part.type, part.value]),
  );
  const offset = parts['timeZoneName'] === 'GMT' ? '+00:00' : parts['timeZoneName']!.replace('GMT', '');
  return `${parts['year']}-${parts['month']}-${parts['day']}T${parts['hour']}:${parts['minute']}:00${offset}`;
}

interface Section {
  id: string;
  defaultAccess?: Access;
}

export interface Scaffold {
  headline: string;
  section: string;
  access?: string;
  author?: string;
  now?: Date;
  root?: URL;
}

export function scaffold({ headline, section, access, author, now = new Date(), root = ROOT }: Scaffold): { file: string; url: string } {
  const title = headline.trim();
  if (!title) throw new ScaffoldError('Give the headline in quotes.');
  const slug = slugOf(title);
  if (!slug) throw new ScaffoldError('The headline needs some letters or digits to make an address from.');
  const sections: Section[] = JSON.parse(readFileSync(new URL('content/sections.json', root), 'utf8'));
  const known = sections.find((candidate) => candidate.id === section);
  if (!known) throw new ScaffoldError(`Unknown section "${section}". Sections: ${sections.map((s) => s.id).join(', ')}.`);
  if (access !== undefined && !ACCESS_LEVELS.includes(access as Access)) {
    throw new ScaffoldError(`--access must be one of ${ACCESS_LEVELS.join(', ')}.`);
  }
  const authors = readdirSync(new URL('content/authors/', root)).map((name) => name.replace(/\.json$/, ''));
  const byline = author ?? authors[0];
  if (!byline || !authors.includes(byline)) throw new ScaffoldError(`Unknown author "${author}". Authors: ${authors.join(', ')}.`);

  const relative = `content/stories/${slug}.mdx`;
  const target = new URL(relative, root);
  if (existsSync(target) || existsSync(new URL(`content/stories/${slug}.md`, root))) {
    throw new ScaffoldError(`${relative} already exists: choose another headline, or edit that story.`);
  }
  const resolvedAccess = (access as Access | undefined) ?? known.defaultAccess ?? 'metered';
  const body = [
    '---',
    `title: ${JSON.stringify(title)}`,
    'standfirst: "One or two sentences that sum the story up. Everyone can read this."',
    `published: ${nowInNewsroom(now, settings.timeZone)}`,
    `author: ${byline}`,
    `section: ${section}`,
    `access: ${resolvedAccess}`,
    'tags: []',
    'draft: true',
    '---',
    '',
    'Write the first paragraph here. The paragraphs above the Paywall line are the teaser that everyone can read.',
    '',
    'The second paragraph is part of the teaser too.',
    '',
    '<Paywall />',
    '',
    'Everything below the Paywall line is for readers with free stories left this month, or subscribers. On a free story the line changes nothing.',
    '',
  ].join('\n');
  writeFileSync(target, body, { flag: 'wx' });
  return { file: relative, url: new URL(storyPath(slug), settings.url).href };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    const { positionals, values } = parseArgs({
      allowPositionals: true,
      options: { section: { type: 'string' }, access: { type: 'string' }, author: { type: 'string' } },
    });
    if (positionals.length !== 1) throw new ScaffoldError('Give exactly one headline, in quotes.');
    if (!values.section) throw new ScaffoldError('Name the section with --section.');
    const { file, url } = scaffold({
      headline: positionals[0]!,
      section: values.section,
      ...(values.access ? { access: values.access } : {}),
      ...(values.author ? { author: values.author } : {}),
    });
    console.log(`Created ${file}`);
    console.log(`It will be published at ${url}`);
    console.log('It is a draft: preview it with `npm run dev`, and remove `draft: true` to publish it.');
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }
}
