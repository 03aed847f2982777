import type { MiddlewareHandler } from 'hono';
import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { isStaffSession } from '../accounts/store.ts';
import type { AppEnv } from '../env.ts';
import { notFound } from '../pages/not-found.ts';
import { CLOCK_TOLERANCE } from '../session/index.ts';

/** The header Cloudflare Access puts its signed assertion in, in front of an application. */
export const ACCESS_ASSERTION = 'Cf-Access-Jwt-Assertion';

/** The team's certs, fetched once per isolate and refreshed by jose when a new key id appears. */
const certsByTeam = new Map<string, JWTVerifyGetKey>();

/** "konkan.cloudflareaccess.com", whether the variable was written with a scheme or a trailing slash. */
function teamHost(domain: string): string {
  return domain.trim().replace(/^https?:\/\//, '').replace(/\/+$/, '');
}

function certsOf(team: string): JWTVerifyGetKey {
  let certs = certsByTeam.get(team);
  if (!certs) certsByTeam.set(team, (certs = createRemoteJWKSet(new URL(`https://${team}/cdn-cgi/access/certs`))));
  return certs;
}

/**
 * Whether Cloudflare Access let this request through, when the newsroom is configured to sit
 * behind it (both ACCESS_TEAM_DOMAIN and ACCESS_AUD set). The assertion is verified here rather
 * than trusted because a request can reach the Worker without passing Access (workers.dev, a
 * route Access does not cover).
 */
async function passedAccess(env: Env, assertion: string | undefined): Promise<boolean> {
  const domain = env.ACCESS_TEAM_DOMAIN?.trim();
  const audience = env.ACCESS_AUD?.trim();
  if (!domain || !audience) return true;
  if (!assertion) return false;
  const team = teamHost(domain);
  try {
    await jwtVerify(assertion, certsOf(team), { issuer: `https://${team}`, audience, algorithms: ['RS256'], clockTolerance: CLOCK_TOLERANCE });
    return true;
  } catch (error) {
    console.error('newsroom: a Cloudflare Access assertion did not verify:', error instanceof Error ? error.message : error);
    return false;
  }
}

/**
 * Lets staff through and answers everyone else with the site's own 404, so the newsroom's
 * addresses tell a reader nothing. Staff means a live session of an account with `staff = 1` and a
 * proven email, and, where configured, Cloudflare Access's assertion too. Expects the session
 * middleware to have run. Any failure on the way is a 404, never the dashboard.
 */
export const staffOnly: MiddlewareHandler<AppEnv> = async (c, next) => {
  const sessionId = c.get('session')?.id;
  let allowed = false;
  try {
    allowed =
      sessionId !== undefined &&
      (await passedAccess(c.env, c.req.header(ACCESS_ASSERTION))) &&
      (await isStaffSession(c.env.DB, sessionId, Math.floor(Date.now() / 1000)));
  } catch (error) {
    console.error('newsroom: checking the staff role failed; answering 404:', error);
  }
  if (!allowed) return notFound(c);
  return next();
};
