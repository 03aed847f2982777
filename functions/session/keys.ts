import { createLocalJWKSet, type JWTVerifyGetKey, type JSONWebKeySet } from 'jose';

/**
 * The keys that may sign a session token, from configuration:
 * - SESSION_SECRETS: HS256 secrets as "kid:secret" pairs, comma-separated. The first one signs.
 * - SESSION_JWKS: a public JWK set (JSON) for ES256 or EdDSA tokens.
 * A token's header must name the key by `kid`; an algorithm without a configured key is refused.
 */
export interface SessionKeys {
  algorithms: string[];
  resolve: JWTVerifyGetKey;
  /** The HS256 key new tokens are signed with, if any secret is configured. */
  signing?: { kid: string; secret: Uint8Array };
}

export class KeyConfigError extends Error {
  override name = 'KeyConfigError';
}

const MIN_SECRET_BYTES = 32;

function parseSecrets(value: string | undefined): Map<string, Uint8Array> {
  const secrets = new Map<string, Uint8Array>();
  for (const pair of (value ?? '').split(',').map((part) => part.trim()).filter(Boolean)) {
    const colon = pair.indexOf(':');
    const kid = pair.slice(0, colon).trim();
    const secret = pair.slice(colon + 1).trim();
    if (colon < 1 || !secret) {
      throw new KeyConfigError('SESSION_SECRETS must be "kid:secret" pairs separated by commas');
    }
    const bytes = new TextEncoder().encode(secret);
    if (bytes.length < MIN_SECRET_BYTES) {
      throw new KeyConfigError(`SESSION_SECRETS key "${kid}" is shorter than ${MIN_SECRET_BYTES} bytes`);
    }
    secrets.set(kid, bytes);
  }
  return secrets;
}

function parseJwks(value: string | undefined): JSONWebKeySet | undefined {
  if (!value?.trim()) return undefined;
  let jwks: unknown;
  try {
    jwks = JSON.parse(value);
  } catch {
    throw new KeyConfigError('SESSION_JWKS is not valid JSON; it must be a JWK set: {"keys": [...]}');
  }
  const keys = (jwks as { keys?: unknown }).keys;
  if (!Array.isArray(keys) || keys.some((key) => typeof key?.kid !== 'string')) {
    throw new KeyConfigError('SESSION_JWKS must be {"keys": [...]} and every key needs a "kid"');
  }
  return jwks as JSONWebKeySet;
}

export function sessionKeys(config: { SESSION_SECRETS?: string; SESSION_JWKS?: string }): SessionKeys {
  const secrets = parseSecrets(config.SESSION_SECRETS);
  const jwks = parseJwks(config.SESSION_JWKS);
  if (secrets.size === 0 && !jwks) {
    throw new KeyConfigError('No session keys: set SESSION_SECRETS and/or SESSION_JWKS');
  }
  const publicKeys = jwks ? createLocalJWKSet(jwks) : undefined;
  const algorithms = [...(secrets.size ? ['HS256'] : []), ...(jwks ? ['ES256', 'EdDSA'] : [])];

  const resolve: JWTVerifyGetKey = async (header, token) => {
    if (header.alg === 'HS256') {
      const secret = header.kid === undefined ? undefined : secrets.get(header.kid);
      if (!secret) throw new KeyConfigError(`no HS256 secret with kid "${header.kid}"`);
      return secret;
    }
    if (!publicKeys) throw new KeyConfigError(`no public keys for alg "${header.alg}"`);
    return publicKeys(header, token);
  };

  const [first] = secrets;
  return { algorithms, resolve, ...(first ? { signing: { kid: first[0], secret: first[1] } } : {}) };
}
