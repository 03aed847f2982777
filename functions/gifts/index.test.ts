import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { COOKIES, GIFT_PARAM, HOOKS, LOCKED_PART_CLASS, PAGES } from '../../src/paywall/contract.ts';
import type { ManifestStory } from '../../src/paywall/manifest.ts';
import { settings } from '../../src/paywall/settings.ts';
import { ORIGIN } from '../../test/edge/client.ts';
import { storiesWith, storyWith, withPublishAt } from '../../test/edge/publication.ts';
import { bindingsWith, endSubscription, Outbox, Reader, subscriber } from '../../test/edge/readers.ts';
import { uniqueEmail } from '../../test/edge/payments.ts';
import { meterHolding } from '../../test/meter.ts';
import { sign } from '../signed/index.ts';
import { giftLink } from './links.ts';
import { edited } from '../../test/tokens.ts';

// Gift links inside workerd: a subscriber gives one locked story; anyone with the link reads that
// story in full, a limited number of times, until it expires, is withdrawn or the giver's
// subscription ends. Stories and numbers come from the build and content/site.json.

const textOf = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
const lockedIn = (html: string) => html.includes(`class="${LOCKED_PART_CLASS}"`);
/** Whether the page keeps a block the edge removes unless it applies. */
const keeps = (html: string, attribute: string) => new RegExp(`<[^>]*\\b${attribute}(="")?(?![^>]*\\bhidden)[^>]*>`).test(html);
const seconds = () => Math.floor(Date.now() / 1000);

let premium: ManifestStory;
let otherLocked: ManifestStory;
let metered: ManifestStory;
let free: ManifestStory;

beforeAll(async () => {
  premium = await storyWith('premium');
  metered = await storyWith('metered');
  free = await storyWith('free');
  otherLocked = [...(await storiesWith('premium')), ...(await storiesWith('metered'))].find((story) => story.path !== premium.path)!;
});

/** A subscriber in a browser of their own, and a fresh browser for whoever they give to. */
async function giver() {
  const outbox = new Outbox();
  const given = await subscriber(outbox, 'giver');
  return { ...given, outbox, stranger: () => new Reader(bindingsWith(outbox)) };
}

/** Makes a gift of `story` and returns the link as a path with its query. */
async function give(reader: Reader, story: ManifestStory, from = 'Asha'): Promise<string> {
  const response = await reader.post(PAGES.gifts, { story: story.path, title: 'A story', from });
  const html = await response.text();
  if (response.status !== 200) throw new Error(`Making a gift answered ${response.status}: ${textOf(html).slice(0, 300)}`);
  const link = new RegExp(`value="([^"]+)"[^>]*${HOOKS.giftField}="link"`).exec(html)?.[1]?.replaceAll('&amp;', '&');
  if (!link) throw new Error('No gift link on the page');
  const url = new URL(link);
  return `${url.pathname}${url.search}`;
}

function giftValue(path: string): string {
  return new URL(path, ORIGIN).searchParams.get(GIFT_PARAM)!;
}

/** The gift's note that it no longer opens the story is shown, and the story is not. */
async function refused(reader: Reader, path: string): Promise<void> {
  const response = await reader.get(path);
  expect(response.status, path).toBe(200);
  const html = await response.text();
  expect(lockedIn(html), path).toBe(false);
  expect(keeps(html, HOOKS.giftRefused), path).toBe(true);
}

describe('giving a story', () => {
  it('offers the form under a story in full to subscribers only', async () => {
    const { reader, outbox } = await giver();
    const subscriberPage = await (await reader.get(premium.path)).text();
    expect(lockedIn(subscriberPage)).toBe(true);
    expect(keeps(subscriberPage, HOOKS.giftForm)).toBe(true);

    const registered = new Reader(bindingsWith(outbox));
    await registered.logInByLink(outbox, uniqueEmail('registered'));
    const registeredPage = await (await registered.get(metered.path)).text();
    expect(lockedIn(registeredPage)).toBe(true);
    expect(registeredPage).not.toContain(HOOKS.giftForm);
  });

  it('shows the link once made, privately', async () => {
    const { reader } = await giver();
    const response = await reader.post(PAGES.gifts, { story: premium.path, title: 'A story', from: 'Asha' });
    expect(response.status).toBe(200);
    expect(response.headers.get('Cache-Control')).toBe('private, no-store');
    expect(await response.text()).toContain(`${premium.path}?${GIFT_PARAM}=`);
  });

  it('refuses readers without a live subscription', async () => {
    const outbox = new Outbox();
    const registered = new Reader(bindingsWith(outbox));
    await registered.logInByLink(outbox, uniqueEmail('no-gifts'));
    expect((await registered.post(PAGES.gifts, { story: premium.path })).status).toBe(403);
    const anonymous = new Reader(bindingsWith(outbox));
    const toLogin = await anonymous.post(PAGES.gifts, { story: premium.path });
    expect(toLogin.status).toBe(303);
    expect(toLogin.headers.get('Location')).toContain(PAGES.login);
  });

  it('gives only published locked stories: not a free one, an unknown (or draft) one, or an embargoed one', async () => {
    const { reader, outbox } = await giver();
    for (const path of [free.path, '/stories/no-such-story/', 'not a path']) {
      const response = await reader.post(PAGES.gifts, { story: path });
      expect(response.status, path).toBe(404);
      expect(textOf(await response.text())).toContain('That story cannot be given');
    }
    const embargoed = new Reader(await withPublishAt(premium.path, seconds() + 3600, bindingsWith(outbox)));
    for (const [name, value] of reader.jar) embargoed.jar.set(name, value);
    expect((await embargoed.post(PAGES.gifts, { story: premium.path })).status).toBe(404);
  });

  it(`gives at most ${settings.gifts.perMonth} a month`, async () => {
    const { reader } = await giver();
    for (let gift = 0; gift < settings.gifts.perMonth; gift++) await give(reader, premium);
    const refusal = await reader.post(PAGES.gifts, { story: premium.path });
    expect(refusal.status).toBe(429);
    expect(Number(refusal.headers.get('Retry-After'))).toBeGreaterThan(0);
  });
});

describe('opening a gift link', () => {
  it('opens the story in full for anyone, says who it is from, and offers the plans', async () => {
    const { reader, stranger } = await giver();
    const link = await give(reader, premium, 'Asha <b>K</b>');
    const response = await stranger().get(link);
    const html = await response.text();
    expect(lockedIn(html)).toBe(true);
    expect(keeps(html, HOOKS.giftNote)).toBe(true);
    expect(html).toContain('Asha &lt;b&gt;K&lt;/b&gt;');
    expect(html).toContain('class="plan-list"');
    expect(html, 'a recipient cannot give it on').not.toContain(HOOKS.giftForm);
    expect(response.headers.get('Cache-Control')).toBe('private, no-store');
    expect(response.headers.get('Referrer-Policy')).toBe('no-referrer');
    expect(response.headers.get('X-Robots-Tag')).toContain('noindex');
  });

  it('spends nothing of the recipient’s meter, even when it is used up', async () => {
    const { reader, stranger } = await giver();
    const link = await give(reader, metered);
    const recipient = stranger();
    const used = await meterHolding(settings.freeStoriesPerMonth, env.METER_SECRET);
    recipient.jar.set(COOKIES.meter, used);
    expect(await recipient.readsInFull(link)).toBe(true);
    expect(recipient.jar.get(COOKIES.meter)).toBe(used);
  });

  it(`opens ${settings.gifts.opensPerLink} times and no more`, async () => {
    const { reader, stranger, accountId } = await giver();
    const link = await give(reader, premium);
    for (let open = 0; open < settings.gifts.opensPerLink; open++) expect(await stranger().readsInFull(link), `open ${open + 1}`).toBe(true);
    await refused(stranger(), link);
    const gift = await env.DB.prepare('SELECT opens FROM gifts WHERE account_id = ?').bind(accountId).first<{ opens: number }>();
    expect(gift!.opens).toBe(settings.gifts.opensPerLink);
  });

  it('opens nothing else', async () => {
    const { reader, stranger } = await giver();
    const link = await give(reader, premium);
    await refused(stranger(), `${otherLocked.path}?${GIFT_PARAM}=${giftValue(link)}`);
  });

  it('opens nothing when edited, forged, truncated or padded, and never answers 5xx', async () => {
    const { reader, stranger } = await giver();
    const value = giftValue(await give(reader, premium));
    const [header, payload, signature] = value.split('.') as [string, string, string];
    const claims = JSON.parse(atob(payload.replaceAll('-', '+').replaceAll('_', '/')));
    const moved = btoa(JSON.stringify({ ...claims, p: otherLocked.path })).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
    const otherKey = await sign('another-secret-that-is-long-enough-to-sign-with', 'gift', { g: claims.g, p: premium.path }, 3600);
    const variants = [
      `${header}.${moved}.${signature}`,
      edited(value),
      value.slice(0, -5),
      `${value}AAAA`,
      `${value}.`,
      otherKey,
      'not-a-gift',
      'x'.repeat(5000),
      '',
    ];
    for (const variant of variants) await refused(stranger(), `${premium.path}?${GIFT_PARAM}=${encodeURIComponent(variant)}`);
  });

  it('opens nothing once expired, by its signature or by its record', async () => {
    const { reader, stranger, accountId } = await giver();
    const link = await give(reader, premium);
    const gift = await env.DB.prepare('SELECT id FROM gifts WHERE account_id = ?').bind(accountId).first<{ id: string }>();
    const days = settings.gifts.days * 86_400;
    const old = await giftLink(env.SIGNING_SECRET, ORIGIN, { id: gift!.id, story_path: premium.path, created_at: seconds() - days - 60, expires_at: seconds() - 60 });
    await refused(stranger(), old.slice(ORIGIN.length));
    await env.DB.prepare('UPDATE gifts SET expires_at = ? WHERE id = ?').bind(seconds() - 1, gift!.id).run();
    await refused(stranger(), link);
  });

  it('opens nothing once withdrawn, and the account page lists the gift', async () => {
    const { reader, stranger } = await giver();
    const link = await give(reader, premium);
    expect(await stranger().readsInFull(link)).toBe(true);
    const account = await (await reader.get(PAGES.account)).text();
    expect(account).toContain(giftValue(link));
    expect(textOf(account)).toContain(`Opened 1 of ${settings.gifts.opensPerLink} times`);
    const id = /name="gift" value="([^"]+)"/.exec(account)?.[1];
    const withdrawn = await reader.post(PAGES.revokeGift, { gift: id! });
    expect(withdrawn.status).toBe(303);
    await refused(stranger(), link);
    const after = await (await reader.get(PAGES.account)).text();
    expect(textOf(after)).toContain('Withdrawn on');
    expect(after).not.toContain(giftValue(link));
  });

  it('cannot be withdrawn by anyone else', async () => {
    const { reader, stranger, accountId } = await giver();
    const link = await give(reader, premium);
    const gift = await env.DB.prepare('SELECT id FROM gifts WHERE account_id = ?').bind(accountId).first<{ id: string }>();
    const other = await giver();
    await other.reader.post(PAGES.revokeGift, { gift: gift!.id });
    expect(await stranger().readsInFull(link)).toBe(true);
  });

  it('opens nothing once the giver’s subscription has ended', async () => {
    const { reader, stranger, accountId } = await giver();
    const link = await give(reader, premium);
    await endSubscription(accountId);
    await refused(stranger(), link);
  });

  it('opens nothing for a story that is embargoed', async () => {
    const { reader, outbox } = await giver();
    const link = await give(reader, premium);
    const response = await new Reader(await withPublishAt(premium.path, seconds() + 3600, bindingsWith(outbox))).get(link);
    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain(`class="${LOCKED_PART_CLASS}"`);
  });

  it('counts no open for a HEAD request', async () => {
    const { reader, stranger, accountId } = await giver();
    const link = await give(reader, premium);
    await stranger().request(link, { method: 'HEAD' });
    const gift = await env.DB.prepare('SELECT opens FROM gifts WHERE account_id = ?').bind(accountId).first<{ opens: number }>();
    expect(gift!.opens).toBe(0);
  });
});
