import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env.ts';
import { isHtml } from '../response/index.ts';
import { isTestMode } from './providers.ts';

// A landmark of its own, so assistive technology finds it like the rest of the page.
const BANNER =
  '<aside class="test-mode" aria-label="Test mode"><p><strong>Test mode.</strong> Payments go to a test provider and no money moves. Pay with the card 4242 4242 4242 4242, any future date and any CVC.</p></aside>';

/** While the payment keys are test keys, every page says so at its top. */
export const testModeBanner: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  if (!isTestMode(c.env) || !isHtml(c.res.headers) || c.res.status === 304) return;
  const rewritten = new HTMLRewriter().on('body', { element: (body) => void body.prepend(BANNER, { html: true }) }).transform(c.res);
  c.res = undefined;
  c.res = new Response(rewritten.body, rewritten);
};
