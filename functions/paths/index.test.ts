import { describe, expect, it } from 'vitest';
import { canonicalPath, isGuardedPath } from './index.ts';

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

describe('canonicalPath', () => {
  it.each([
    ['/articles/a/', '/articles/a/'],
    ['/articles/a', '/articles/a/'],
    ['/articles/a/index.html', '/articles/a/'],
    ['/articles/a/index/', '/articles/a/'],
    ['/articles/a/index', '/articles/a/'],
    ['/Articles/A/', '/articles/a/'],
    ['//articles//a//', '/articles/a/'],
    ['/articles/%61/', '/articles/a/'],
    ['/articles/x/../a/', '/articles/a/'],
    ['/articles/./a/', '/articles/a/'],
    ['/articles/%2e%2e/articles/a/', '/articles/a/'],
    ['/login', '/login'],
    ['/', '/'],
    ['/index.html', '/'],
    ['/_astro/Base.CS_kV1bi.css', '/_astro/Base.CS_kV1bi.css'],
    ['/rss.xml', '/rss.xml'],
    ['/articles/a%2fb/', '/articles/a%2Fb/'],
  ])('%s is spelled %s', (path, canonical) => {
    expect(canonicalPath(path)).toBe(canonical);
  });

  it('is idempotent', () => {
    for (const path of ['/Articles//A/index.html', '/articles/%2e%2e/x', '/a%2fb', '/%7Euser']) {
      expect(canonicalPath(canonicalPath(path))).toBe(canonicalPath(path));
    }
  });
});
