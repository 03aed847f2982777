/**
 * What handlers and middleware ask of a response's cookies and caching, gathered per request
 * (`c.var.outcome`) and merged once by `finish` in ./index.ts. Kept apart from the functions that
 * write it so that the app's typed context (functions/env.ts) can name it without importing them.
 */

export type Caching =
  /** Nobody keeps it: full text, account pages, anything that sets a cookie. */
  | 'private'
  /** Any cache may keep it but must check back every time (teasers, which carry a validator). */
  | 'revalidate'
  /** Any cache may keep it this many seconds. */
  | { publicFor: number };

export type SessionChange = { kind: 'set'; token: string; maxAge: number } | { kind: 'clear' };

export interface Outcome {
  /** A log-in or log-out by the handler. */
  session?: SessionChange;
  /** A renewed or ended session token, from the session middleware. Loses to `session`. */
  renewal?: SessionChange;
  /** Other cookies of ours (the meter, the checkout binding), by name. */
  cookies: Map<string, { value: string; maxAge: number }>;
  caching?: Caching;
  /** The reader's cookies decided this response. */
  personal: boolean;
  /** The request's URL carries a secret (a one-time link, a gift, a private feed). */
  secretUrl: boolean;
  /** No search engine may index the response (the newsroom's pages). */
  noindex: boolean;
  /** Seconds until a refused request may be tried again (a throttled log-in or link). */
  retryAfter?: number;
}
