/**
 * Hono's view of the Worker's bindings. `Env` is generated from wrangler.toml and .dev.vars by
 * `npm run types` (worker-configuration.d.ts); secrets may still be unset in a deployment, so
 * the code that reads them checks.
 */
export type AppEnv = { Bindings: Env };
