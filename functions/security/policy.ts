/**
 * No inline script or style anywhere: the site ships none (structured data is a JSON block, not
 * a script), and Astro writes stylesheets as files. Nothing may frame the site.
 */
const PAGE_POLICY = [
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
const SEARCH_POLICY = PAGE_POLICY.replace("script-src 'self'", "script-src 'self' 'wasm-unsafe-eval'");

/**
 * The policy for a page. `formTargets` are the payment provider's hosted pages: a form that starts
 * a checkout is answered with a redirect there, and browsers hold that redirect to form-action.
 */
export function contentSecurityPolicy(page: 'page' | 'search', formTargets: readonly string[] = []): string {
  const policy = page === 'search' ? SEARCH_POLICY : PAGE_POLICY;
  return formTargets.length ? policy.replace("form-action 'self'", `form-action 'self' ${formTargets.join(' ')}`) : policy;
}
