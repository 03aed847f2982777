import { createLocalJWKSet, importJWK, type JSONWebKeySet, type JWK, type JWTVerifyGetKey } from 'jose';

/**
 * The keys that sign and verify session tokens, from configuration:
 * - SESSION_PRIVATE_JWKS (secret): private ES256 or EdDSA keys as a JWK set. The first signs new
 *   sessions; the public half of every one verifies and is published at /.well-known/jwks.json.
 * - SESSION_JWKS: further public keys to accept (a retired key, another service's key).
 * - SESSION_SECRETS (secret): HS256 secrets as "kid:secret" pairs, for simple setups. They sign
 *   only when no private key is configured.
 * A token's header must name its key by `kid`; an algorithm without a configured key is refused.
 */
export interface KeyConfig {
  SESSION_SECRETS?: string;
  SESSION_PRIVATE_JWKS?: string;
  SESSION_JWKS?: string;
}

export type SigningKey =
  | { alg: 'HS256'; kid: string; key: Uint8Array }
  | { alg: 'ES256' | 'EdDSA'; kid: string; key: CryptoKey };

export interface SessionKeys {
  algorithms: string[];
  resolve: JWTVerifyGetKey;
  signing?: SigningKey;
  /** The public keys other services may verify our sessions with. */
  published: JSONWebKeySet;
}

export class KeyConfigError extends Error {
  override name = 'KeyConfigError';
}

const MIN_SECRET_BYTES = 32;
const ASYMMETRIC = ['ES256', 'EdDSA'] as const;
/** The members of a JWK that only a private key has. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

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

function parseJwks(name: string, value: string | undefined): JWK[] {
  if (!value?.trim()) return [];
  let jwks: unknown;
  try {
    jwks = JSON.parse(value);
  } catch {
    throw new KeyConfigError(`${name} is not valid JSON; it must be a JWK set: {"keys": [...]}`);
  }
  const keys = (jwks as { keys?: unknown }).keys;
  if (!Array.isArray(keys) || keys.some((key) => typeof key?.kid !== 'string')) {
    throw new KeyConfigError(`${name} must be {"keys": [...]} and every key needs a "kid"`);
  }
  for (const key of keys as JWK[]) {
    if (!ASYMMETRIC.includes(key.alg as (typeof ASYMMETRIC)[number])) {
      throw new KeyConfigError(`${name} key "${key.kid}" needs "alg": "ES256" or "EdDSA"`);
    }
  }
  return keys as JWK[];
}

function publicHalf(jwk: JWK): JWK {
  const copy: Record<string, unknown> = { ...jwk, use: 'sig' };
  for (const member of PRIVATE_MEMBERS) delete copy[member];
  delete copy['key_ops'];
  delete copy['ext'];
  return copy as JWK;
}

async function build(config: KeyConfig): Promise<SessionKeys> {
  const secrets = parseSecrets(config.SESSION_SECRETS);
  const privateKeys = parseJwks('SESSION_PRIVATE_JWKS', config.SESSION_PRIVATE_JWKS);
  if (privateKeys.some((key) => typeof key.d !== 'string')) {
    throw new KeyConfigError('SESSION_PRIVATE_JWKS must hold private keys (with "d")');
  }
  const published = privateKeys.map(publicHalf);
  const verifying = [...published, ...parseJwks('SESSION_JWKS', config.SESSION_JWKS)];
  if (secrets.size === 0 && verifying.length === 0) {
    throw new KeyConfigError('No session keys: set SESSION_PRIVATE_JWKS, SESSION_SECRETS or SESSION_JWKS');
  }
  const publicKeys = verifying.length ? createLocalJWKSet({ keys: verifying }) : undefined;

  const resolve: JWTVerifyGetKey = async (header, token) => {
    if (header.alg === 'HS256') {
      const secret = header.kid === undefined ? undefined : secrets.get(header.kid);
      if (!secret) throw new KeyConfigError(`no HS256 secret with kid "${header.kid}"`);
      return secret;
    }
    if (!publicKeys || header.kid === undefined) throw new KeyConfigError(`no public key for kid "${header.kid}"`);
    return publicKeys(header, token);
  };

  let signing: SigningKey | undefined;
  const [firstPrivate] = privateKeys;
  const [firstSecret] = secrets;
  if (firstPrivate) {
    const alg = firstPrivate.alg as 'ES256' | 'EdDSA';
    const key = await importJWK(firstPrivate, alg);
    if (!(key instanceof CryptoKey)) throw new KeyConfigError('SESSION_PRIVATE_JWKS: the first key is not usable');
    signing = { alg, kid: firstPrivate.kid!, key };
  } else if (firstSecret) {
    signing = { alg: 'HS256', kid: firstSecret[0], key: firstSecret[1] };
  }

  return {
    algorithms: [...(secrets.size ? ['HS256'] : []), ...(verifying.length ? ASYMMETRIC : [])],
    resolve,
    published: { keys: published },
    ...(signing ? { signing } : {}),
  };
}

const cache = new Map<string, Promise<SessionKeys>>();

/** The session keys for this configuration, parsed once per isolate. */
export function sessionKeys(config: KeyConfig): Promise<SessionKeys> {
  const id = [config.SESSION_SECRETS, config.SESSION_PRIVATE_JWKS, config.SESSION_JWKS].join('\u0000');
  let keys = cache.get(id);
  if (!keys) {
    keys = build(config);
    keys.catch(() => cache.delete(id));
    cache.set(id, keys);
  }
  return keys;
}
