import type { APIRoute } from 'astro';
import { absoluteUrl } from '../seo.ts';

// Crawlers get what every anonymous reader gets; these lines only keep them off account pages.
export const GET: APIRoute = () =>
  new Response(
    [
      'User-agent: *',
      'Disallow: /login/',
      'Disallow: /account/',
      '',
      `Sitemap: ${absoluteUrl('/sitemap-index.xml')}`,
      `Sitemap: ${absoluteUrl('/news-sitemap.xml')}`,
      '',
    ].join('\n'),
    { headers: { 'Content-Type': 'text/plain; charset=utf-8' } },
  );
