import { describe, expect, it } from 'vitest';
import { isGuardedPath } from './index.ts';

describe('isGuardedPath', () => {
  it.each([
    '/full/articles/a/',
    '/full/articles/a/index.html',
    '/full',
    '/FULL/articles/a/',
    '//full/articles/a/',
    '/%66ull/articles/a/',
    '/%2566ull/articles/a/',
    '/%252566ull/articles/a/',
    '/articles/%2e%2e/full/articles/a/',
    '/\\full/articles/a/',
    '/%5Cfull/articles/a/',
    '/./full/articles/a/',
    '/paywall-manifest.json',
    '/PAYWALL-MANIFEST.JSON',
    '/paywall-manifest.json/',
    '/%E0%A4%A/',
  ])('guards %s', (path) => {
    expect(isGuardedPath(path)).toBe(true);
  });

  it.each(['/', '/articles/a/', '/fullness/', '/articles/full/', '/_astro/x.css', '/sitemap-index.xml'])(
    'lets %s through',
    (path) => {
      expect(isGuardedPath(path)).toBe(false);
    },
  );
});
