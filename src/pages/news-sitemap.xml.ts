// A Google News sitemap: the stories published in the two days before the build. Public
// addresses, headlines and dates only.
import type { APIRoute } from 'astro';
import { settings } from '../paywall/settings.ts';
import { absoluteUrl } from '../seo.ts';
import { storiesPublishedBy } from '../site.ts';

const TWO_DAYS = 2 * 86_400_000;

function xml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&apos;');
}

export const GET: APIRoute = async () => {
  const now = new Date();
  const recent = (await storiesPublishedBy(now)).filter((story) => story.publishAt * 1000 >= now.getTime() - TWO_DAYS);
  const language = settings.locale.split('-')[0]!;
  const urls = recent.map(
    (story) => `<url><loc>${xml(absoluteUrl(story.path))}</loc><news:news><news:publication><news:name>${xml(settings.name)}</news:name><news:language>${language}</news:language></news:publication><news:publication_date>${story.entry.data.published.toISOString()}</news:publication_date><news:title>${xml(story.entry.data.title)}</news:title></news:news></url>`,
  );
  const body = `<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
${urls.join('\n')}
</urlset>
`;
  return new Response(body, { headers: { 'Content-Type': 'application/xml; charset=utf-8' } });
};
