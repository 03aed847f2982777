import { importJWK, SignJWT, generateKeyPair } from 'jose';
import { describe, expect, inject, it } from 'vitest';
import { DEMO_ACCOUNTS } from '../scripts/demo-accounts.ts';
import { findPlan, planCards } from '../src/paywall/plans.ts';
import { sourceStoryWith } from './content.ts';
import { textOf } from './html.ts';
import { Reader, type Page } from './reader.ts';
import { PROVIDER } from './server.ts';
import { issuedAgo } from './session-token.ts';
import { COOKIES } from '../src/paywall/contract.ts';

const [subscriber, lapsed] = DEMO_ACCOUNTS;
const premium = sourceStoryWith('premium');
const isFull = (page: Page) => premium.lockedSentences.every((sentence) => page.text.includes(sentence));
const showsNone = (page: Page) => premium.lockedSentences.every((sentence) => !page.text.includes(sentence));

/** Follows the wall's "Log in" link and sends the form, as a reader would. */
async function logInFromWall(reader: Reader, account: { email: string; password: string }): Promise<Page> {
  const wall = await reader.get(premium.path);
  expect(showsNone(wall)).toBe(true);
  const loginLink = wall.html.match(/<a href="(\/login\/\?return=[^"]+)">Log in<\/a>/)?.[1];
  expect(loginLink, 'the wall links to the login page').toBeTruthy();
  const form = await reader.get(loginLink!.replaceAll('&amp;', '&'));
  const returnTo = form.html.match(/name="return" value="([^"]+)"/)?.[1];
  expect(returnTo).toBe(premium.path);
  return reader.post('/login/', { email: account.email, password: account.password, return: returnTo! });
}

describe('a subscriber with an account', () => {
  it('logs in from the wall, reads the story in full, logs out and meets the wall again', async () => {
    const reader = new Reader();
    const afterLogin = await logInFromWall(reader, subscriber);
    expect(afterLogin.status).toBe(200);
    expect(isFull(afterLogin)).toBe(true);

    const account = await reader.get('/account/');
    expect(account.text).toContain(subscriber.email);
    expect(account.text).toContain(findPlan(subscriber.plan)!.name);
    expect(account.text).toMatch(/Active until/);

    const home = await reader.post('/logout/', {});
    expect(home.status).toBe(200);
    expect(reader.jar.has('paywall_session')).toBe(false);
    expect(showsNone(await reader.get(premium.path))).toBe(true);
  });

  it('is told plainly when the password is wrong, and gets no cookie', async () => {
    const reader = new Reader();
    const page = await reader.post('/login/', { email: subscriber.email, password: 'not the password', return: premium.path });
    expect(page.status).toBe(401);
    expect(page.text).toContain('That email and password do not match an account.');
    expect(reader.jar.size).toBe(0);
  });
});

describe('a token past half its life, as every reader holds after some hours', () => {
  const aging = 7 * 3600;
  const age = async (reader: Reader) => reader.jar.set(COOKIES.session, await issuedAgo(reader.jar.get(COOKIES.session)!, aging));

  it('is not renewed over a log-out: the browser ends without a session, and premium stories show the teaser', async () => {
    const reader = new Reader();
    expect(isFull(await logInFromWall(reader, subscriber))).toBe(true);
    await age(reader);
    await reader.post('/logout/', {});
    expect(reader.jar.has(COOKIES.session)).toBe(false);
    expect(showsNone(await reader.get(premium.path))).toBe(true);
  });

  it('is not renewed over a log-in as another account: the second account is the one logged in', async () => {
    const reader = new Reader();
    await logInFromWall(reader, lapsed);
    await age(reader);
    expect(isFull(await reader.post('/login/', { email: subscriber.email, password: subscriber.password, return: premium.path }))).toBe(true);
    expect((await reader.get('/account/')).text).toContain(subscriber.email);
  });
});

describe('a subscriber whose subscription has ended', () => {
  it('can log in, and meets the wall with a renewal message and the plans', async () => {
    const reader = new Reader();
    const afterLogin = await logInFromWall(reader, lapsed);
    expect(showsNone(afterLogin)).toBe(true);
    expect(afterLogin.text).toContain('Your subscription has ended.');
    for (const card of planCards()) expect(afterLogin.text).toContain(textOf(card.price));
    expect((await reader.get('/account/')).text).toMatch(/Ended on/);
  });
});

describe('tokens from an external identity provider', async () => {
  const key = await importJWK(inject('providerKey'), 'RS256');
  const stranger = (await generateKeyPair('RS256')).privateKey;
  const seconds = Math.floor(Date.now() / 1000);
  const claims = {
    [PROVIDER.planClaim]: subscriber.plan,
    subscription: { ends: new Date(Date.now() + 86_400_000).toISOString() },
  };
  const token = (options: { issuer?: string; audience?: string; signWith?: CryptoKey; kid?: string } = {}) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? 'idp-1' })
      .setSubject('idp|reader-7')
      .setIssuer(options.issuer ?? PROVIDER.issuer)
      .setAudience(options.audience ?? PROVIDER.audience)
      .setIssuedAt(seconds)
      .setExpirationTime(seconds + 3600)
      .sign(options.signWith ?? (key as CryptoKey));

  it('are accepted when the provider signed them for us', async () => {
    const page = await new Reader({ [PROVIDER.cookie]: await token() }).get(premium.path);
    expect(isFull(page)).toBe(true);
  });

  it.each([
    ['the wrong issuer', { issuer: 'https://other-id.example/' }],
    ['the wrong audience', { audience: 'another-app' }],
    ['a key the provider does not publish', { signWith: stranger }],
    ['an unknown kid', { kid: 'idp-9' }],
  ])('are refused with %s', async (_, options) => {
    const page = await new Reader({ [PROVIDER.cookie]: await token(options as never) }).get(premium.path);
    expect(page.status).toBe(200);
    expect(showsNone(page)).toBe(true);
  });
});
