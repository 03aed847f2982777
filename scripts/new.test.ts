import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { settings } from '../src/paywall/settings.ts';
import { nowInNewsroom, scaffold, ScaffoldError, slugOf } from './new.ts';

let root: string;
beforeEach(() => {
  // A newsroom of the test's own: a metered section, a free one and one author.
  root = mkdtempSync(join(tmpdir(), 'presswall-new-'));
  mkdirSync(join(root, 'content/stories'), { recursive: true });
  mkdirSync(join(root, 'content/authors'));
  const sections = [
    { id: 'city', name: 'City', description: 'The city.', defaultAccess: 'metered' },
    { id: 'sport', name: 'Sport', description: 'Sport.', defaultAccess: 'free' },
  ];
  writeFileSync(join(root, 'content/sections.json'), JSON.stringify(sections));
  writeFileSync(join(root, 'content/authors/a-reporter.json'), JSON.stringify({ name: 'A Reporter', role: 'Reporter', bio: 'Reports.' }));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));
const rootUrl = () => pathToFileURL(`${root}/`);

describe('npm run new', () => {
  it('makes a slug from the headline', () => {
    expect(slugOf('Monsoon: 30% of drains blocked!')).toBe('monsoon-30-of-drains-blocked');
    expect(slugOf('  Café owners’ “big” day ')).toBe('cafe-owners-big-day');
  });

  it('dates the story now, in the newsroom time zone, with its offset', () => {
    expect(nowInNewsroom(new Date('2026-11-24T21:00:00Z'), 'Asia/Kolkata')).toBe('2026-11-25T02:30:00+05:30');
    expect(nowInNewsroom(new Date('2026-11-24T21:00:00Z'), 'UTC')).toBe('2026-11-24T21:00:00+00:00');
  });

  it('writes a story with complete frontmatter and a Paywall line', () => {
    const { file, url } = scaffold({
      headline: 'Ferry fares rise for the first time in a decade',
      section: 'city',
      access: 'premium',
      now: new Date('2026-11-24T06:00:00Z'),
      root: rootUrl(),
    });
    expect(file).toBe('content/stories/ferry-fares-rise-for-the-first-time-in-a-decade.mdx');
    expect(url).toBe(new URL('/stories/ferry-fares-rise-for-the-first-time-in-a-decade/', settings.url).href);
    const text = readFileSync(join(root, file), 'utf8');
    const published = nowInNewsroom(new Date('2026-11-24T06:00:00Z'), settings.timeZone).replace('+', '\\+');
    expect(text).toMatch(new RegExp(`^---\ntitle: "Ferry fares rise for the first time in a decade"\nstandfirst: ".+"\npublished: ${published}\nauthor: a-reporter\nsection: city\naccess: premium\ntags: \\[\\]\ndraft: true\n---\n`));
    expect(text).toMatch(/\n<Paywall \/>\n/);
  });

  it('takes the access level from the section when none is given', () => {
    const { file } = scaffold({ headline: 'Under-16 final washed out', section: 'sport', root: rootUrl() });
    expect(readFileSync(join(root, file), 'utf8')).toContain('\naccess: free\n');
  });

  it.each([
    [{ headline: 'x', section: 'weather' }, 'Unknown section "weather"'],
    [{ headline: 'x', section: 'city', access: 'metred' }, '--access must be one of'],
    [{ headline: 'x', section: 'city', author: 'nobody' }, 'Unknown author "nobody"'],
    [{ headline: '!!!', section: 'city' }, 'needs some letters or digits'],
    [{ headline: ' ', section: 'city' }, 'Give the headline'],
  ])('refuses %j', (input, message) => {
    expect(() => scaffold({ ...input, root: rootUrl() })).toThrow(ScaffoldError);
    expect(() => scaffold({ ...input, root: rootUrl() })).toThrow(message);
  });

  it('never overwrites a story', () => {
    scaffold({ headline: 'Same headline', section: 'city', root: rootUrl() });
    expect(() => scaffold({ headline: 'Same headline', section: 'city', root: rootUrl() })).toThrow('already exists');
  });

  it('explains itself on the command line', () => {
    let output = '';
    try {
      execFileSync(process.execPath, ['scripts/new.ts', 'A headline'], { encoding: 'utf8', stdio: 'pipe' });
    } catch (error) {
      output = (error as { stderr: string }).stderr;
    }
    expect(output).toContain('Name the section with --section.');
    expect(output).toContain('Usage: npm run new');
  });
});
