import type { APIRoute } from 'astro';
import { absoluteUrl } from '../seo.ts';

// Crawlers get what every anonymous reader gets. Account and checkout pages have nothing for
// them (without a session they lead to the login form), so nothing is disallowed here; the
// sitemaps list the public pages only.
export const GET: APIRoute = () =>
  new Response(
    ['User-agent: *', 'Allow: /', '', `Sitemap: ${absoluteUrl('/sitemap-index.xml')}`, `Sitemap: ${absoluteUrl('/news-sitemap.xml')}`, ''].join('\n'),
    { headers: { 'Content-Type': 'text/plain; charset=utf-8' } },
  );
