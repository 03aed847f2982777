import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pruneStoredHtml, storedHtml, storedHtmlKey, storedReadingMinutes, storeHtml } from './stored-html.ts';

describe('a plain story’s HTML kept in a file of its own', () => {
  const root = mkdtempSync(join(tmpdir(), 'stored-html-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('leaves only a name, the reading time and the pictures in the store, and reads the HTML back', async () => {
    const source = 'word '.repeat(500);
    const rendered = await storeHtml(root, 'one', '<p>The text.</p>', source, ['./a.jpg']);
    expect(rendered.html).toBe('');
    expect(JSON.stringify(rendered)).not.toContain('word');
    expect(storedHtmlKey(rendered)).toBe('one');
    expect(storedReadingMinutes(rendered)).toBe(3);
    expect(rendered.metadata.imagePaths).toEqual(['./a.jpg']);
    expect(await storedHtml(rendered, root)).toBe('<p>The text.</p>');
  });

  it('says an MDX story has no stored HTML, so Astro renders it', async () => {
    expect(await storedHtml(undefined, root)).toBeUndefined();
    expect(await storedHtml({ html: '<p>rendered by Astro</p>' }, root)).toBeUndefined();
    expect(storedReadingMinutes({ html: '', metadata: { storedHtml: 'x' } })).toBeUndefined();
  });

  it('removes the files no story in the store names, and says what to do when one is missing', async () => {
    const kept = await storeHtml(root, 'kept', '<p>Kept.</p>', 'Kept.', []);
    const gone = await storeHtml(root, 'gone', '<p>Gone.</p>', 'Gone.', []);
    await pruneStoredHtml(root, new Set(['kept']));
    expect(await storedHtml(kept, root)).toBe('<p>Kept.</p>');
    expect(existsSync(join(root, 'node_modules/.astro/story-html/gone.html'))).toBe(false);
    await expect(storedHtml(gone, root)).rejects.toThrow(/gone\.html .*is missing: delete node_modules\/\.astro and build again/);
  });
});
