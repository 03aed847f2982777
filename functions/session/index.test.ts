import { env } from 'cloudflare:workers';
import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT, type JWTPayload } from 'jose';
import { describe, expect, it } from 'vitest';
import { settings } from '../../src/paywall/settings.ts';
import { signSession, verifySession } from './index.ts';
import type { Reader } from '../../src/paywall/access.ts';
import { sessionKeys, KeyConfigError } from './keys.ts';

const now = new Date('2026-11-20T10:00:00Z');
const seconds = Math.floor(now.getTime() / 1000);
const keys = await sessionKeys(env);
const [currentKid, currentSecret] = env.SESSION_SECRETS.split(',')[0]!.split(':') as [string, string];
const [oldKid, oldSecret] = env.SESSION_SECRETS.split(',')[1]!.split(':') as [string, string];
const bytes = (text: string) => new TextEncoder().encode(text);

const claims = (overrides: Record<string, unknown> = {}): JWTPayload => ({
  iss: settings.session.issuer,
  aud: settings.session.audience,
  sub: 'reader-1',
  iat: seconds - 60,
  exp: seconds + 3600,
  plan: 'essential',
  plan_ends: seconds + 86_400,
  ...overrides,
});

function hs(payload: JWTPayload, { kid = currentKid, secret = currentSecret, alg = 'HS256' } = {}) {
  return new SignJWT(payload).setProtectedHeader({ alg, kid }).sign(bytes(secret));
}

/** Who the token says the reader is; anonymous when it does not verify. */
async function readSession(token: string, sessionKeys: typeof keys, at: Date): Promise<Reader> {
  return (await verifySession(token, sessionKeys, at))?.reader ?? { kind: 'anonymous' };
}

describe('verifySession', () => {
  it('accepts a token from signSession as an active subscriber', async () => {
    const token = await signSession(
      { subject: 'reader-1', plan: 'saver', planEnds: new Date(now.getTime() + 86_400_000), lifetime: 3600 },
      keys,
      now,
    );
    expect(await readSession(token, keys, now)).toMatchObject({ kind: 'subscriber', plan: 'saver' });
  });

  it('tells a lapsed subscriber from an active one', async () => {
    const token = await hs(claims({ plan_ends: seconds - 1 }));
    expect(await readSession(token, keys, now)).toEqual({ kind: 'lapsed', plan: 'essential', endedAt: seconds - 1 });
  });

  it('verifies tokens signed with an older key that is still configured (rotation)', async () => {
    expect(await readSession(await hs(claims(), { kid: oldKid, secret: oldSecret }), keys, now)).toMatchObject({
      kind: 'subscriber',
    });
  });

  it('tolerates a little clock skew, not more', async () => {
    expect(await readSession(await hs(claims({ exp: seconds - 10 })), keys, now)).toMatchObject({ kind: 'subscriber' });
    expect(await readSession(await hs(claims({ nbf: seconds + 10 })), keys, now)).toMatchObject({ kind: 'subscriber' });
  });

  describe('a token verified before', () => {
    const later = (seconds: number) => new Date(now.getTime() + seconds * 1000);

    it('is refused once it expires', async () => {
      const token = await hs(claims({ exp: seconds + 60 }));
      expect(await readSession(token, keys, now)).toMatchObject({ kind: 'subscriber' });
      expect(await readSession(token, keys, later(60 + 29))).toMatchObject({ kind: 'subscriber' });
      expect(await readSession(token, keys, later(60 + 30))).toEqual({ kind: 'anonymous' });
    });

    it('lapses when its plan ends', async () => {
      const token = await hs(claims({ plan_ends: seconds + 100 }));
      expect(await readSession(token, keys, now)).toMatchObject({ kind: 'subscriber' });
      expect(await readSession(token, keys, later(100))).toEqual({ kind: 'lapsed', plan: 'essential', endedAt: seconds + 100 });
    });

    it('is refused before its start, however it was verified later', async () => {
      const token = await hs(claims({ nbf: seconds + 120 }));
      expect(await readSession(token, keys, later(120))).toMatchObject({ kind: 'subscriber' });
      expect(await readSession(token, keys, now)).toEqual({ kind: 'anonymous' });
    });

    it('is verified again under other keys', async () => {
      const token = await hs(claims());
      expect(await readSession(token, keys, now)).toMatchObject({ kind: 'subscriber' });
      const others = await sessionKeys({ SESSION_SECRETS: `${oldKid}:${oldSecret}` });
      expect(await readSession(token, others, now)).toEqual({ kind: 'anonymous' });
    });
  });

  const refused: [string, () => Promise<string> | string][] = [
    ['no token', () => ''],
    ['a wrong signature', () => hs(claims(), { secret: 'another-secret-of-sufficient-length-0123456789' })],
    ['an unknown kid', () => hs(claims(), { kid: 'nobody' })],
    ['no kid', () => new SignJWT(claims()).setProtectedHeader({ alg: 'HS256' }).sign(bytes(currentSecret))],
    ['alg none', () => new UnsecuredJWT(claims()).encode()],
    ['an algorithm outside the allow-list (HS512)', () => hs(claims(), { alg: 'HS512' })],
    ['the wrong issuer', () => hs(claims({ iss: 'https://evil.example' }))],
    ['the wrong audience', () => hs(claims({ aud: 'someone-else' }))],
    ['an expired token', () => hs(claims({ exp: seconds - 120 }))],
    ['a token not valid yet', () => hs(claims({ nbf: seconds + 120 }))],
    ['no expiry', () => hs(claims({ exp: undefined }))],
    ['no plan', () => hs(claims({ plan: undefined }))],
    ['a plan end that is not a number', () => hs(claims({ plan_ends: '2030-01-01' }))],
    ['garbage', () => 'not.a.token'],
    ['an oversized token', async () => `${await hs(claims())}${'A'.repeat(5000)}`],
  ];
  it.each(refused)('treats %s as an anonymous reader', async (_, make) => {
    expect(await readSession(await make(), keys, now)).toEqual({ kind: 'anonymous' });
  });
});

describe('public keys (ES256) from SESSION_JWKS', async () => {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'es-1', alg: 'ES256', use: 'sig' };
  const both = await sessionKeys({ SESSION_SECRETS: env.SESSION_SECRETS, SESSION_JWKS: JSON.stringify({ keys: [jwk] }) });
  const es = (kid: string) => new SignJWT(claims()).setProtectedHeader({ alg: 'ES256', kid }).sign(privateKey);

  it('accepts a token signed by a published key', async () => {
    expect(await readSession(await es('es-1'), both, now)).toMatchObject({ kind: 'subscriber' });
  });

  it('refuses ES256 tokens when no public keys are configured', async () => {
    expect(await readSession(await es('es-1'), keys, now)).toEqual({ kind: 'anonymous' });
  });

  it('refuses a kid that is not in the set', async () => {
    expect(await readSession(await es('es-2'), both, now)).toEqual({ kind: 'anonymous' });
  });

  it('refuses an HS256 token signed with the public key as its secret (algorithm confusion)', async () => {
    const token = await hs(claims(), { kid: 'es-1', secret: JSON.stringify(jwk) });
    expect(await readSession(token, both, now)).toEqual({ kind: 'anonymous' });
  });
});

describe('sessionKeys', () => {
  it.each([
    [{}, 'No session keys'],
    [{ SESSION_SECRETS: 'no-colon' }, '"kid:secret" pairs'],
    [{ SESSION_SECRETS: 'k:short' }, 'shorter than 32 bytes'],
    [{ SESSION_JWKS: '{not json' }, 'not valid JSON'],
    [{ SESSION_JWKS: '{"keys":[{"kty":"EC"}]}' }, 'needs a "kid"'],
    [{ SESSION_JWKS: '{"keys":[{"kty":"EC","kid":"a"}]}' }, 'needs "alg"'],
    [{ SESSION_PRIVATE_JWKS: '{"keys":[{"kty":"EC","kid":"a","alg":"ES256"}]}' }, 'private keys'],
  ])('refuses %j with a message that says what to set', async (config, message) => {
    await expect(sessionKeys(config)).rejects.toThrow(KeyConfigError);
    await expect(sessionKeys(config)).rejects.toThrow(message);
  });
});
