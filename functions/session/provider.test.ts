import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { KeyConfigError } from './keys.ts';
import { plansFile } from '../../src/paywall/plans.ts';
import { latestPlausibleEnd, providerConfig, verifyProviderToken } from './provider.ts';

const now = new Date();
const plan = plansFile.plans[0]!.id;
const seconds = Math.floor(now.getTime() / 1000);
const config = providerConfig(
  {
    IDP_JWKS_URL: 'https://id.example/.well-known/jwks.json',
    IDP_ISSUER: 'https://id.example/',
    IDP_AUDIENCE: 'news',
    IDP_PLAN_CLAIM: 'app_metadata.plan',
    IDP_PLAN_ENDS_CLAIM: 'app_metadata.paid_until',
  },
  'paywall_session',
)!;

describe('external identity provider', async () => {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const keySet = createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), kid: 'p1', alg: 'ES256' }] });
  const sign = (metadata: Record<string, unknown>) =>
    new SignJWT({ app_metadata: metadata })
      .setProtectedHeader({ alg: 'ES256', kid: 'p1' })
      .setSubject('auth0|1')
      .setIssuer('https://id.example/')
      .setAudience('news')
      .setIssuedAt(seconds)
      .setExpirationTime(seconds + 600)
      .sign(privateKey);

  it('maps nested claims to a plan and an end, as seconds or as a date', async () => {
    expect((await verifyProviderToken(await sign({ plan, paid_until: seconds + 100 }), config, now, keySet))?.reader).toMatchObject({
      kind: 'subscriber',
      plan,
    });
    const ended = await verifyProviderToken(await sign({ plan, paid_until: '2020-01-01' }), config, now, keySet);
    expect(ended?.reader.kind).toBe('lapsed');
  });

  it('refuses an end given in milliseconds, which would turn a lapsed plan into one for millennia', async () => {
    const yesterday = (seconds - 86_400) * 1000;
    expect(await verifyProviderToken(await sign({ plan, paid_until: yesterday }), config, now, keySet)).toBeUndefined();
  });

  it('refuses an end beyond the longest plan, and accepts one at its limit', async () => {
    const limit = latestPlausibleEnd(now);
    expect(await verifyProviderToken(await sign({ plan, paid_until: limit + 60 }), config, now, keySet)).toBeUndefined();
    expect((await verifyProviderToken(await sign({ plan, paid_until: limit - 60 }), config, now, keySet))?.reader.kind).toBe('subscriber');
  });

  it('gives no session without a plan, or with a plan that is not one of ours', async () => {
    expect(await verifyProviderToken(await sign({ paid_until: seconds + 100 }), config, now, keySet)).toBeUndefined();
    expect(await verifyProviderToken(await sign({ plan: 'no-plan-of-ours-' + crypto.randomUUID(), paid_until: seconds + 100 }), config, now, keySet)).toBeUndefined();
  });

  it('gives no session, rather than an error, when the provider cannot be reached', async () => {
    const unreachable = { ...config, jwksUrl: new URL('http://127.0.0.1:9/jwks.json') };
    const token = await sign({ plan, paid_until: seconds + 100 });
    expect(await verifyProviderToken(token, unreachable, now)).toBeUndefined();
  });

  it('is off unless configured, and says what is missing when half configured', () => {
    expect(providerConfig({}, 'c')).toBeUndefined();
    expect(() => providerConfig({ IDP_JWKS_URL: 'https://id.example/jwks' }, 'c')).toThrow(KeyConfigError);
    expect(() => providerConfig({ IDP_JWKS_URL: 'not a url', IDP_ISSUER: 'i', IDP_AUDIENCE: 'a' }, 'c')).toThrow('not a URL');
  });
});
