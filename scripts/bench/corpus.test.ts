import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ARCHIVE_START, istTimestamp, readSourceStories, varyFigures, writeCorpus } from './corpus.ts';
import { random } from './random.ts';

const DEMO = join(import.meta.dirname, '..', '..', 'content', 'stories');

let target: string;
beforeEach(() => {
  target = mkdtempSync(join(tmpdir(), 'konkan-corpus-'));
});
afterEach(() => rmSync(target, { recursive: true, force: true }));

describe('the benchmark archive', () => {
  it('writes the stories asked for, each with its own address, from 1997 to the newest demo story', () => {
    const summary = writeCorpus(DEMO, target, { stories: 45 });
    const files = readdirSync(target).filter((name) => name.endsWith('.mdx'));
    expect(files).toHaveLength(45);
    expect(new Set(files).size).toBe(45);
    for (const file of files) expect(file).toMatch(/^[a-z0-9]+(?:-[a-z0-9]+)*\.mdx$/);
    const newestDemo = Math.max(...readSourceStories(DEMO).map((story) => story.published.getTime()));
    expect(summary.oldest.getTime()).toBeGreaterThanOrEqual(ARCHIVE_START.getTime());
    expect(summary.newest.getTime()).toBeLessThanOrEqual(Math.min(newestDemo, Date.now()));
    expect(summary.newest.getFullYear() - summary.oldest.getFullYear()).toBeGreaterThan(20);
  });

  it('keeps every story valid: sections, authors, access, pictures and tags come from the demo stories', () => {
    writeCorpus(DEMO, target, { stories: 30 });
    const demo = readSourceStories(DEMO);
    const tags = new Set(demo.flatMap((story) => story.tags));
    for (const story of readSourceStories(target)) {
      const source = demo.find((candidate) => story.slug.startsWith(`${candidate.slug}-`))!;
      expect(source).toBeDefined();
      expect(story.section).toBe(source.section);
      expect(story.access).toBe(source.access);
      expect(story.hasImage).toBe(source.hasImage);
      // The same text with other figures.
      expect(story.body.replace(/\d/g, '0')).toBe(source.body.replace(/\d/g, '0'));
      for (const tag of story.tags) expect(tags.has(tag)).toBe(true);
    }
    if (demo.some((story) => story.hasImage)) expect(readdirSync(join(target, 'images')).length).toBeGreaterThan(0);
  });

  it('gives the same archive for the same seed', () => {
    const other = mkdtempSync(join(tmpdir(), 'konkan-corpus-'));
    try {
      writeCorpus(DEMO, target, { stories: 12, seed: 3, newest: new Date('2026-01-01T00:00:00Z') });
      writeCorpus(DEMO, other, { stories: 12, seed: 3, newest: new Date('2026-01-01T00:00:00Z') });
      expect(readSourceStories(other)).toEqual(readSourceStories(target));
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('gives every copy of a story its own figures, keeping list numbers and the paywall line', () => {
    const next = random(5);
    const body = 'Profit rose 18 per cent to ₹46.2 crore.\n\n1. First point, 2019\n\n<Paywall />\n';
    const varied = varyFigures(body, next);
    expect(varied).not.toBe(body);
    expect(varied.replace(/\d/g, '0')).toBe(body.replace(/\d/g, '0'));
    expect(varied).toMatch(/^Profit rose [1-9]\d per cent to ₹[1-9]\d\.\d crore\.\n\n1\. First point, [1-9]\d{3}\n\n<Paywall \/>\n$/);
  });

  it('writes times as the newsroom does', () => {
    expect(istTimestamp(new Date('2026-11-20T04:00:00Z'))).toBe('2026-11-20T09:30:00+05:30');
  });
});
