import type { Session } from './session/index.ts';

/**
 * Hono's view of the Worker. `Env` is generated from wrangler.toml and .dev.vars by
 * `npm run types` (worker-configuration.d.ts); secrets may still be unset in a deployment, so
 * the code that reads them checks. `session` is set by the session middleware.
 */
export type AppEnv = { Bindings: Env; Variables: { session: Session | undefined } };
