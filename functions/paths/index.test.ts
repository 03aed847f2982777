import { describe, expect, it } from 'vitest';
import { canonicalPath, isGuardedPath } from './index.ts';

describe('isGuardedPath', () => {
  it.each([
    '/full/stories/a/',
    '/full/stories/a/index.html',
    '/full',
    '/FULL/stories/a/',
    '//full/stories/a/',
    '/%66ull/stories/a/',
    '/%2566ull/stories/a/',
    '/%252566ull/stories/a/',
    '/stories/%2e%2e/full/stories/a/',
    '/\\full/stories/a/',
    '/%5Cfull/stories/a/',
    '/./full/stories/a/',
    '/paywall-manifest/index.json',
    '/PAYWALL-MANIFEST/0.JSON',
    '/paywall-manifest/',
    '/%70aywall-manifest/0.json',
    '/%E0%A4%A/',
  ])('guards %s', (path) => {
    expect(isGuardedPath(path)).toBe(true);
  });

  it.each(['/', '/stories/a/', '/fullness/', '/stories/full/', '/_astro/x.css', '/sitemap-index.xml'])(
    'lets %s through',
    (path) => {
      expect(isGuardedPath(path)).toBe(false);
    },
  );
});

describe('canonicalPath', () => {
  it.each([
    ['/stories/a/', '/stories/a/'],
    ['/stories/a', '/stories/a/'],
    ['/stories/a/index.html', '/stories/a/'],
    ['/stories/a/index/', '/stories/a/'],
    ['/stories/a/index', '/stories/a/'],
    ['/Stories/A/', '/stories/a/'],
    ['//stories//a//', '/stories/a/'],
    ['/stories/%61/', '/stories/a/'],
    ['/stories/x/../a/', '/stories/a/'],
    ['/stories/./a/', '/stories/a/'],
    ['/stories/%2e%2e/stories/a/', '/stories/a/'],
    ['/login', '/login'],
    ['/', '/'],
    ['/index.html', '/'],
    ['/_astro/Base.CS_kV1bi.css', '/_astro/Base.CS_kV1bi.css'],
    ['/rss.xml', '/rss.xml'],
    ['/stories/a%2fb/', '/stories/a%2Fb/'],
  ])('%s is spelled %s', (path, canonical) => {
    expect(canonicalPath(path)).toBe(canonical);
  });

  it('is idempotent', () => {
    for (const path of ['/Articles//A/index.html', '/stories/%2e%2e/x', '/a%2fb', '/%7Euser']) {
      expect(canonicalPath(canonicalPath(path))).toBe(canonicalPath(path));
    }
  });
});
