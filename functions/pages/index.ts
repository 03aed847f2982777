import { settings } from '../../src/paywall/settings.ts';

/**
 * A page for when the edge cannot serve what was asked. It is built from the site settings alone,
 * so it can never hold story text, whatever went wrong.
 */
export function safePage(status: 400 | 403 | 404 | 413 | 415 | 500 | 503, message: string): Response {
  const html = `<!doctype html>
<html lang="${settings.locale}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${settings.name}</title><link rel="stylesheet" href="/error.css"></head>
<body>
<p><a href="/">${settings.name}</a></p>
<h1>${message}</h1>
<p>Please try again in a moment, or go to the <a href="/">front page</a>.</p>
</body>
</html>`;
  return new Response(html, {
    status,
    headers: { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' },
  });
}
