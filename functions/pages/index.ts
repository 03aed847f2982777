import { escapeHtml } from '../../src/paywall/html.ts';
import { settings } from '../../src/paywall/settings.ts';

export { escapeHtml };

export type SafeStatus = 400 | 401 | 402 | 403 | 404 | 409 | 410 | 413 | 415 | 429 | 500 | 502 | 503;

/**
 * A page for when the edge cannot serve what was asked. It is built from the site settings and
 * the message alone, so it can never hold story text, whatever went wrong. `retryAfter` (seconds)
 * tells browsers and clients when to try again.
 */
export function safePage(status: SafeStatus, message: string, options: { retryAfter?: number; detail?: string } = {}): Response {
  const detail = options.detail ?? 'Please try again in a moment, or go to the <a href="/">front page</a>.';
  const html = `<!doctype html>
<html lang="${settings.locale}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(settings.name)}</title><link rel="stylesheet" href="/error.css"></head>
<body>
<p><a href="/">${escapeHtml(settings.name)}</a></p>
<h1>${escapeHtml(message)}</h1>
<p>${detail}</p>
</body>
</html>`;
  const headers: Record<string, string> = { 'Content-Type': 'text/html; charset=utf-8' };
  if (options.retryAfter !== undefined) headers['Retry-After'] = String(options.retryAfter);
  return new Response(html, { status, headers });
}
