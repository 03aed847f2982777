/** Bindings the Worker is configured with (wrangler.toml, .dev.vars or `wrangler secret`). */
export interface Bindings {
  ASSETS: Fetcher;
  SESSION_SECRETS?: string;
  SESSION_JWKS?: string;
  METER_SECRET?: string;
}

export type AppEnv = { Bindings: Bindings };
