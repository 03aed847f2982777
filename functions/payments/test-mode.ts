import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env.ts';
import { isHtml } from '../response/index.ts';
import { isTestMode } from './providers.ts';

// A landmark of its own, so assistive technology finds it like the rest of the page.
const BANNER =
  '<aside class="test-mode" aria-label="Test mode"><p><strong>Test mode.</strong> Payments go to a test provider and no money moves. Pay with the card 4242 4242 4242 4242, any future date and any CVC.</p></aside>';

/** The page with the banner first in its body; a page without a body is left as it is. */
export function withTestModeBanner(html: string): string {
  // Quoted attribute values may hold a `>`.
  const body = /<body(?=[\s>])(?:[^>"']|"[^"]*"|'[^']*')*>/i.exec(html);
  if (!body) return html;
  const end = body.index + body[0].length;
  return html.slice(0, end) + BANNER + html.slice(end);
}

/**
 * While the payment keys are test keys, every page says so at its top. A string splice after
 * `<body>`, as the story regions are made (functions/pages/regions.ts): a second HTML parse of
 * every page cost as much as the paywall's own work (docs/benchmarks.md). With live keys, as
 * deployed, pages pass untouched.
 */
export const testModeBanner: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  const response = c.res;
  if (!isTestMode(c.env) || !isHtml(response.headers) || response.status === 304 || !response.body) return;
  const headers = new Headers(response.headers);
  headers.delete('Content-Length');
  const page = new Response(withTestModeBanner(await response.text()), { status: response.status, statusText: response.statusText, headers });
  c.res = undefined;
  c.res = page;
};
