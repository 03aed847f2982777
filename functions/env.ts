import type { Count } from './analytics/events.ts';
import type { Outcome } from './response/outcome.ts';
import type { Session } from './session/index.ts';

/**
 * Hono's view of the Worker. `Env` is generated from wrangler.toml and .dev.vars by
 * `npm run types` (worker-configuration.d.ts); secrets may still be unset in a deployment, so
 * the code that reads them checks.
 * - `outcome`: what the handlers want of the response's cookies and caching (functions/response).
 * - `session`: the verified session, set by the session middleware on the routes that read it.
 * - `failure`: what a route's failure means to the reader, for `app.onError`.
 * - `counts`: what the request decided, for the newsroom (functions/analytics).
 */
export type AppEnv = {
  Bindings: Env;
  Variables: { outcome: Outcome; session: Session | undefined; failure: Failure | undefined; counts: Count[] };
};

/** A route whose failures mean the accounts store is unavailable, rather than a bug on a page. */
export type Failure = 'accounts';
