import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env.ts';
import { safePage } from '../pages/index.ts';

const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'none'",
  "style-src 'self'",
  "img-src 'self' data:",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "object-src 'none'",
].join('; ');

/** Headers for pages about a reader's account: never cached, never framed, nothing foreign loaded. */
export const accountPageHeaders: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  c.res = new Response(c.res.body, c.res);
  c.res.headers.set('Cache-Control', 'no-store');
  c.res.headers.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  c.res.headers.set('X-Frame-Options', 'DENY');
  c.res.headers.set('X-Content-Type-Options', 'nosniff');
  c.res.headers.set('Referrer-Policy', 'same-origin');
};

/**
 * Refuses a POST that does not come from this site's own pages. Browsers send Origin with every
 * form POST; a request without one, or from another origin, is not from our forms.
 */
export const sameOrigin: MiddlewareHandler<AppEnv> = async (c, next) => {
  const origin = c.req.header('Origin');
  if (!origin || origin !== new URL(c.req.url).origin) {
    return safePage(403, 'This form can only be sent from our own pages. Go back, reload the page and try again.');
  }
  return next();
};
