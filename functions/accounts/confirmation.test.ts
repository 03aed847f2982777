import { env } from 'cloudflare:workers';
import { decodeJwt } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { COOKIES, PAGES } from '../../src/paywall/contract.ts';
import { settings } from '../../src/paywall/settings.ts';
import { plansFile, type Plan } from '../../src/paywall/plans.ts';
import { ledgerOf, Payments, uniqueEmail } from '../../test/edge/payments.ts';
import { storyWith } from '../../test/edge/publication.ts';
import { Outbox, Reader } from '../../test/edge/readers.ts';
import { hashPassword } from './password.ts';
import { findSession } from './store.ts';

// An account made by a checkout carries an email the payer typed, which may be someone else's.
// Until a log-in link proves it, the account reads what was paid for on the browser that paid,
// and nothing lasting comes from it; the first proof ends every session and password before it.

const plan: Plan = plansFile.plans.find((candidate) => candidate.id === plansFile.highlighted) ?? plansFile.plans[0]!;
const password = 'a long enough password';
const now = () => Math.floor(Date.now() / 1000);

/** Whether the D1 session behind this browser's token is still live (its next renewal works). */
async function sessionLives(reader: Reader): Promise<boolean> {
  const token = reader.jar.get(COOKIES.session);
  const sid = token ? decodeJwt(token)['sid'] : undefined;
  return typeof sid === 'string' && (await findSession(env.DB, sid, now())) !== null;
}

describe('an account a checkout made', () => {
  let premium: string;
  let p: Payments;
  let outbox: Outbox;
  let bindings: Env;

  beforeAll(async () => {
    premium = (await storyWith('premium')).path;
    p = await Payments.open(settings.payments.provider);
    outbox = new Outbox();
    bindings = p.with({ EMAIL: outbox.binding });
  });

  it('reads what was paid for on the paying browser, but sets no password, gift or feed until its email is proven', async () => {
    const payer = new Reader(bindings);
    const email = uniqueEmail('unproven');
    const { back } = await p.buy(payer, plan, premium, email);
    const page = await back.text();
    expect(page).toContain('Confirm your email');
    expect(page).not.toContain('Set a password');
    expect(page).toContain(`value="${email}"`);
    expect(await payer.readsInFull(premium)).toBe(true);

    const saved = await payer.post(PAGES.password, { password, return: PAGES.account });
    expect(saved.status).toBe(403);
    expect(await saved.text()).toContain('Confirm your email to set a password');
    expect((await ledgerOf(email))?.password_hash).toBeNull();
    expect((await payer.post(PAGES.feed, {})).status).toBe(403);
    expect((await payer.post(PAGES.gifts, { story: premium, title: 'A gift' })).status).toBe(403);

    const account = await (await payer.get(PAGES.account)).text();
    expect(account).toContain('Email me a link to confirm');
    expect(account).not.toContain(`action="${PAGES.password}"`);
    expect(account).not.toContain(`action="${PAGES.feed}"`);
  });

  it('goes to whoever proves the email: the payer loses it, with every session and password from before', async () => {
    const payer = new Reader(bindings);
    const email = uniqueEmail('victim');
    await p.buy(payer, plan, premium, email);
    // A password from before this change: an unproven account might hold one.
    const { id } = (await ledgerOf(email))!;
    await env.DB.prepare('UPDATE accounts SET password_hash = ? WHERE id = ?').bind(await hashPassword(password), id).run();
    const byPassword = new Reader(bindings);
    expect((await byPassword.post(PAGES.login, { email, password, return: premium })).status).toBe(303);
    expect(await sessionLives(payer)).toBe(true);
    expect(await sessionLives(byPassword)).toBe(true);

    const owner = new Reader(bindings);
    expect((await owner.logInByLink(outbox, email)).status).toBe(303);

    expect(await sessionLives(payer)).toBe(false);
    expect(await sessionLives(byPassword)).toBe(false);
    expect((await payer.get(PAGES.account)).headers.get('Location')).toMatch(new RegExp(`^${PAGES.login}`));
    expect((await new Reader(bindings).post(PAGES.login, { email, password, return: premium })).status).toBe(401);
    // The owner has the account, and what was paid on it.
    expect(await owner.readsInFull(premium)).toBe(true);
    expect(await owner.accountText()).toMatch(/Active\. Renews on/);
    expect((await owner.post(PAGES.password, { password: 'the owner’s own password', return: PAGES.account })).status).toBe(303);
  });

  it('stays with a payer who proves their own email, who then keeps what they paid for', async () => {
    const reader = new Reader(bindings);
    const email = uniqueEmail('own-email');
    const { back } = await p.buy(reader, plan, premium, email);
    expect(await back.text()).toContain('Email me a link to confirm');
    // The confirm form asks for a link to the account's address, and comes back to the account.
    expect((await reader.logInByLink(outbox, email, PAGES.account)).headers.get('Location')).toBe(PAGES.account);

    expect(await reader.readsInFull(premium)).toBe(true);
    expect(await sessionLives(reader)).toBe(true);
    const account = await reader.accountText();
    expect(account).toMatch(/Active\. Renews on/);
    expect(account).not.toContain('Email me a link to confirm');
    expect((await reader.post(PAGES.password, { password, return: PAGES.account })).status).toBe(303);
    expect((await reader.post(PAGES.feed, {})).status).toBe(200);
    // A second proof changes nothing: the password and the session stay.
    const again = new Reader(bindings);
    await again.logInByLink(outbox, email);
    expect(await sessionLives(reader)).toBe(true);
    expect((await new Reader(bindings).post(PAGES.login, { email, password, return: premium })).status).toBe(303);
  });
});
