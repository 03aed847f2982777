import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, inject, it } from 'vitest';
import { settings } from '../src/paywall/settings.ts';
import { sourceStories, sourceStoryWith } from './content.ts';
import { builtFiles, readBuilt } from './dist.ts';
import { sentencesOf, textOf } from './html.ts';
import { Reader } from './reader.ts';

const stories = sourceStories();
const read = (file: string) => readBuilt(file).toString('utf8');
const storyPages = builtFiles().filter((file) => /^\/(full\/)?stories\/[^/]+\/index\.html$/.test(file));

function jsonLdOf(html: string): Record<string, unknown>[] {
  return [...html.matchAll(/<script type="application\/ld\+json">([\s\S]*?)<\/script>/g)].map((match) => JSON.parse(match[1]!));
}

describe('structured data', () => {
  it('finds every story page, public and full', () => {
    expect(storyPages.length).toBe(stories.length + stories.filter((story) => story.access !== 'free').length);
  });

  it.each(storyPages)('%s has NewsArticle JSON-LD with the paywall marked', (file) => {
    const slug = file.split('/').at(-2)!;
    const story = stories.find((candidate) => candidate.slug === slug)!;
    const html = read(file);
    const [data, ...others] = jsonLdOf(html);
    expect(others).toEqual([]);
    expect(data).toMatchObject({
      '@context': 'https://schema.org',
      '@type': 'NewsArticle',
      headline: expect.any(String),
      datePublished: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      dateModified: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      author: [{ '@type': 'Person', name: expect.any(String) }],
      publisher: { '@type': 'NewsMediaOrganization', name: settings.name, logo: { url: expect.stringMatching(/\.png$/) } },
      image: [expect.stringMatching(/^https:\/\//)],
      articleSection: expect.any(String),
      isAccessibleForFree: story.access === 'free',
    });
    expect(data).not.toHaveProperty('articleBody');
    if (story.access === 'free') {
      expect(data).not.toHaveProperty('hasPart');
    } else {
      expect(data!['hasPart']).toEqual({ '@type': 'WebPageElement', isAccessibleForFree: false, cssSelector: '.paywalled-part' });
      // The element it names holds the locked part on the full page, and is absent from the teaser.
      expect(html.includes('<div class="paywalled-part">')).toBe(file.startsWith('/full/'));
    }
    const structured = JSON.stringify(data);
    for (const sentence of story.lockedSentences) expect(structured).not.toContain(sentence);
  });

  it.each(storyPages)('%s has a canonical address and social tags from the frontmatter', (file) => {
    const html = read(file);
    const slug = file.split('/').at(-2)!;
    expect(html).toContain(`<link rel="canonical" href="${settings.url}/stories/${slug}/">`);
    for (const property of ['og:title', 'og:description', 'og:image', 'og:url', 'twitter:card']) {
      expect(html).toMatch(new RegExp(`(property|name)="${property}" content="[^"]+"`));
    }
  });
});

describe('feeds and sitemaps', () => {
  const parser = new XMLParser({ ignoreAttributes: false });

  it.each(builtFiles().filter((file) => file.endsWith('.xml')))('%s is well-formed XML', (file) => {
    expect(XMLValidator.validate(read(file))).toBe(true);
  });

  it('the RSS feed carries the latest stories, free ones in full and locked ones as standfirst and lead-in', () => {
    const feed = read('/rss.xml');
    const items: { link: string; 'content:encoded': string }[] = [parser.parse(feed).rss.channel.item].flat();
    expect(items.length).toBe(Math.min(stories.length, settings.feedItems));
    for (const item of items) {
      const story = stories.find((candidate) => item.link.endsWith(candidate.path))!;
      const text = textOf(item['content:encoded']);
      for (const sentence of story.lockedSentences) expect(text, story.slug).not.toContain(sentence);
      if (story.access === 'free') {
        // A free story's whole body is in the feed: every sentence of its page's story body.
        const page = read(`${story.path}index.html`);
        const body = textOf(page.slice(page.indexOf('<div class="story-body">'), page.indexOf('</article>')));
        for (const sentence of sentencesOf(body)) expect(text, story.slug).toContain(sentence);
      }
    }
  });

  it('the sitemap lists every public story once and no guarded page', () => {
    const sitemap = parser.parse(read('/sitemap-0.xml'));
    const locations: string[] = sitemap.urlset.url.map((url: { loc: string }) => url.loc);
    expect(new Set(locations).size).toBe(locations.length);
    for (const story of stories) expect(locations).toContain(`${settings.url}${story.path}`);
    expect(locations.filter((location) => /\/full\/|manifest|\/login\/|\/account\//.test(location))).toEqual([]);
  });

  it('robots.txt points at both sitemaps', () => {
    const robots = read('/robots.txt');
    expect(robots).toContain(`Sitemap: ${settings.url}/sitemap-index.xml`);
    expect(robots).toContain(`Sitemap: ${settings.url}/news-sitemap.xml`);
  });
});

describe('HTTP', () => {
  const premium = sourceStoryWith('premium');

  it('puts security headers on every HTML response', async () => {
    for (const path of ['/', premium.path, '/login/', '/no-such-page/', `/full${premium.path}`]) {
      const page = await new Reader().get(path);
      expect(page.headers.get('Content-Security-Policy'), path).toMatch(/frame-ancestors 'none'/);
      expect(page.headers.get('Content-Security-Policy'), path).not.toMatch(/unsafe-inline/);
      expect(page.headers.get('X-Content-Type-Options'), path).toBe('nosniff');
      expect(page.headers.get('Referrer-Policy'), path).toBeTruthy();
      expect(page.html, path).not.toMatch(/<script(?![^>]*type="application\/ld\+json")/);
      expect(page.html, path).not.toMatch(/<style/);
    }
  });

  it('serves the teaser with a validator, and 304 when it has not changed', async () => {
    const first = await new Reader().get(premium.path);
    const etag = first.headers.get('ETag');
    expect(etag).toBeTruthy();
    expect(first.headers.get('Cache-Control')).toBe('public, max-age=0, must-revalidate');
    expect(first.headers.get('Vary')).toContain('Cookie');
    expect(first.headers.get('Set-Cookie')).toBeNull();
    const again = await new Reader().get(premium.path, { headers: { 'If-None-Match': etag! } });
    expect(again.status).toBe(304);
    expect(again.html).toBe('');
  });

  it('redirects other spellings of a story to its one address', async () => {
    for (const path of [`${premium.path}index.html`, premium.path.toUpperCase(), `/${premium.path}`, premium.path.slice(0, -1)]) {
      const response = await fetch(`${inject('baseUrl')}${path}`, { redirect: 'manual' });
      expect([301, 307, 308], path).toContain(response.status);
    }
  });

  it('answers unknown pages with the designed 404 page', async () => {
    const page = await new Reader().get('/stories/no-such-story/');
    expect(page.status).toBe(404);
    expect(page.text).toContain('We could not find that page');
  });
});
