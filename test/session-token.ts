// Session tokens as a reader's browser holds them hours after logging in: the journeys re-sign a
// real token with the local key (.dev.vars), as if it had been issued earlier.
import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { decodeJwt } from 'jose';
import { signSession } from '../functions/session/index.ts';
import { sessionKeys } from '../functions/session/keys.ts';

/** The same session, re-signed as if issued `age` seconds ago, with its lifetime unchanged. */
export async function issuedAgo(token: string, age: number): Promise<string> {
  const claims = decodeJwt(token);
  if (typeof claims.sub !== 'string' || typeof claims.iat !== 'number' || typeof claims.exp !== 'number') {
    throw new Error('Not a session token: it has no sub, iat or exp');
  }
  const keys = await sessionKeys(parseEnv(readFileSync('.dev.vars', 'utf8')));
  return signSession(
    {
      subject: claims.sub,
      plan: String(claims['plan']),
      planEnds: new Date(Number(claims['plan_ends']) * 1000),
      lifetime: claims.exp - claims.iat,
      ...(typeof claims['sid'] === 'string' ? { sessionId: claims['sid'] } : {}),
    },
    keys,
    new Date(Date.now() - age * 1000),
  );
}
