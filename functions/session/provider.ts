import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { CLOCK_TOLERANCE, MAX_TOKEN_LENGTH, readerFrom, type Session } from './index.ts';
import { KeyConfigError } from './keys.ts';
import { findPlan, plansFile, type PlansFile } from '../../src/paywall/plans.ts';

/**
 * An external identity provider (Auth0, Cognito, Keycloak, Piano ID…) whose tokens the edge
 * accepts alongside its own. Configured with IDP_JWKS_URL, IDP_ISSUER and IDP_AUDIENCE; the
 * claims that carry the plan and the subscription's end are named by IDP_PLAN_CLAIM and
 * IDP_PLAN_ENDS_CLAIM (a top-level claim, or a dotted path into one), and the cookie that holds
 * the token by IDP_COOKIE.
 */
export interface ProviderConfig {
  jwksUrl: URL;
  issuer: string;
  audience: string;
  planClaim: string;
  endsClaim: string;
  cookie: string;
}

export interface ProviderEnv {
  IDP_JWKS_URL?: string;
  IDP_ISSUER?: string;
  IDP_AUDIENCE?: string;
  IDP_PLAN_CLAIM?: string;
  IDP_PLAN_ENDS_CLAIM?: string;
  IDP_COOKIE?: string;
}

/** Algorithms identity providers sign with; HS256 is not among them, so no shared secret is trusted. */
const PROVIDER_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA'];

export function providerConfig(env: ProviderEnv, defaultCookie: string): ProviderConfig | undefined {
  if (!env.IDP_JWKS_URL?.trim()) return undefined;
  let jwksUrl: URL;
  try {
    jwksUrl = new URL(env.IDP_JWKS_URL);
  } catch {
    throw new KeyConfigError('IDP_JWKS_URL is not a URL; use the provider\'s JWKS address, e.g. https://id.example/.well-known/jwks.json');
  }
  if (!env.IDP_ISSUER?.trim() || !env.IDP_AUDIENCE?.trim()) {
    throw new KeyConfigError('IDP_JWKS_URL is set, so IDP_ISSUER and IDP_AUDIENCE must be set too');
  }
  return {
    jwksUrl,
    issuer: env.IDP_ISSUER.trim(),
    audience: env.IDP_AUDIENCE.trim(),
    planClaim: env.IDP_PLAN_CLAIM?.trim() || 'plan',
    endsClaim: env.IDP_PLAN_ENDS_CLAIM?.trim() || 'plan_ends',
    cookie: env.IDP_COOKIE?.trim() || defaultCookie,
  };
}

/** jose's remote key sets cache the provider's keys; keep one per URL for the isolate's life. */
const keySets = new Map<string, JWTVerifyGetKey>();

function keySetFor(url: URL): JWTVerifyGetKey {
  let keySet = keySets.get(url.href);
  if (!keySet) {
    keySet = createRemoteJWKSet(url, { timeoutDuration: 3000, cooldownDuration: 30_000, cacheMaxAge: 600_000 });
    keySets.set(url.href, keySet);
  }
  return keySet;
}

function claim(payload: Record<string, unknown>, name: string): unknown {
  if (name in payload) return payload[name];
  return name.split('.').reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], payload);
}

/** Above this a NumericDate is not seconds (it would be past the year 5000): it is milliseconds. */
const LARGEST_SECONDS = 1e11;

/** Seconds since the epoch, from a NumericDate or an ISO 8601 date string. Milliseconds are refused. */
function toSeconds(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value > 0 && value < LARGEST_SECONDS ? value : undefined;
  if (typeof value === 'string') {
    const time = Date.parse(value);
    return Number.isNaN(time) ? undefined : Math.floor(time / 1000);
  }
  return undefined;
}

/**
 * The latest end a provider may claim for a subscription bought now: the longest of our plans,
 * with a day to spare for time zones. A later end is a provider bug or a forged claim, never a plan.
 */
export function latestPlausibleEnd(now: Date, file: PlansFile = plansFile): number {
  const longest = Math.max(...file.plans.map((plan) => plan.months));
  return Math.floor(now.getTime() / 1000) + longest * 31 * 86_400 + 86_400;
}

/**
 * Verifies a provider's token. If the provider's keys cannot be fetched, or anything else fails,
 * there is no session: the reader gets what an anonymous reader gets.
 */
export async function verifyProviderToken(
  token: string | undefined,
  config: ProviderConfig,
  now: Date,
  keySet: JWTVerifyGetKey = keySetFor(config.jwksUrl),
): Promise<Session | undefined> {
  if (!token || token.length > MAX_TOKEN_LENGTH) return undefined;
  try {
    const { payload } = await jwtVerify(token, keySet, {
      algorithms: PROVIDER_ALGORITHMS,
      issuer: config.issuer,
      audience: config.audience,
      clockTolerance: CLOCK_TOLERANCE,
      currentDate: now,
      requiredClaims: ['exp', 'sub'],
    });
    const plan = claim(payload, config.planClaim);
    // A provider's plan claim may say "free" or "none": only our plans' ids mean a subscription.
    if (typeof plan !== 'string' || !findPlan(plan)) return undefined;
    const ends = toSeconds(claim(payload, config.endsClaim));
    if (ends === undefined || ends > latestPlausibleEnd(now)) return undefined;
    const reader = readerFrom(plan, ends, now);
    if (reader.kind === 'anonymous') return undefined;
    return { reader, subject: payload.sub!, issuedAt: payload.iat ?? 0, expiresAt: payload.exp! };
  } catch {
    return undefined;
  }
}
