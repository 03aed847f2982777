import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env.ts';
import { safePage } from '../pages/index.ts';

/**
 * No inline script or style anywhere: the site ships none (structured data is a JSON block, not
 * a script), and Astro writes stylesheets as files. Nothing may frame the site.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "object-src 'none'",
].join('; ');

/** Pagefind's search runs WebAssembly, which the search page alone needs. */
const SEARCH_POLICY = CONTENT_SECURITY_POLICY.replace("script-src 'self'", "script-src 'self' 'wasm-unsafe-eval'");

/** Security headers on every HTML response, whichever route or file it came from. */
export const securityHeaders: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  if (!c.res.headers.get('Content-Type')?.startsWith('text/html')) return;
  c.res = new Response(c.res.body, c.res);
  const search = new URL(c.req.url).pathname === '/search/';
  c.res.headers.set('Content-Security-Policy', search ? SEARCH_POLICY : CONTENT_SECURITY_POLICY);
  c.res.headers.set('X-Content-Type-Options', 'nosniff');
  c.res.headers.set('Referrer-Policy', 'strict-origin-when-cross-origin');
  c.res.headers.set('X-Frame-Options', 'DENY');
};

/** Pages about a reader's account are never stored by any cache. */
export const noStore: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  c.res = new Response(c.res.body, c.res);
  c.res.headers.set('Cache-Control', 'no-store');
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
