import type { Context } from 'hono';
import { decide, type Decision, type Meter, type Reader, type WallReason } from '../../src/paywall/access.ts';
import { COOKIES, HOOKS, meterNotice, PUBLISH_AT_META } from '../../src/paywall/contract.ts';
import { experimentsMet, meterCapacity, treatmentOf, type Treatment } from '../../src/paywall/experiments.ts';
import type { ManifestStory } from '../../src/paywall/manifest.ts';
import { settings } from '../../src/paywall/settings.ts';
import { count } from '../analytics/index.ts';
import { archivedAt, archivedText, etagOf, isFresh, publicArchivedAt, publicFile } from '../archive/index.ts';
import { isCrawler } from '../analytics/crawlers.ts';
import type { ReaderKind } from '../analytics/events.ts';
import { isEmbargoed } from '../embargo/index.ts';
import type { AppEnv } from '../env.ts';
import { assignmentOf, enrolmentOf, exposeTo, type Enrolment } from '../experiments/index.ts';
import { withArms } from '../experiments/page.ts';
import { giftAt, type GiftAtStory } from '../gifts/open.ts';
import { withGiftBlocks } from '../gifts/page.ts';
import { manifestEntry } from '../manifest/index.ts';
import { recordRead } from '../meter/account.ts';
import { meterCookieIn, meterSecrets, monthOf, readMeter, secondsUntilNextMonth, signMeter } from '../meter/index.ts';
import { notFound } from '../pages/not-found.ts';
import { safePage } from '../pages/index.ts';
import { withOffers } from '../offers/index.ts';
import { RegionPage } from '../pages/regions.ts';
import { cacheAs, cookieToSet, personal, setCookie } from '../response/index.ts';

/**
 * A story page. Free stories are files served as they are; locked ones are decided here in one
 * pass: who the reader is (the session the middleware verified, the meter, read and verified
 * once, and a gift in the address), what they get (`decide`, the pure rule shared with the
 * build), and the response (the full page or the teaser, with the new meter handed to the
 * response layer to set).
 */
export async function serveStory(c: Context<AppEnv>): Promise<Response> {
  const path = new URL(c.req.url).pathname;
  let entry: ManifestStory | undefined;
  try {
    entry = await manifestEntry(c.env.ASSETS, c.req.url, path);
  } catch (error) {
    // Without the manifest nothing can be unlocked; the public file is the teaser or a free story.
    console.error('paywall: manifest unavailable, serving public files only:', error);
    return publicPageUnlessEmbargoed(c);
  }
  if (entry && isEmbargoed(entry, Date.now() / 1000)) return notFound(c);
  if (!entry) return c.env.ASSETS.fetch(c.req.raw);
  if (entry.access === 'free') {
    const page = await publicFile(c, entry.path);
    if (page.status === 200) countView(c, entry, 'full', { kind: 'none' });
    return page;
  }
  return serveLockedStory(c, entry);
}

/** A built public page to change for a reader: its validator, and its HTML when needed. */
interface BuiltPage {
  etag: string | undefined;
  html: () => Promise<string>;
}

/** The public page of a story for the edge to change, or undefined when the build has none. */
async function builtPublicPage(c: Context<AppEnv>, story: ManifestStory): Promise<BuiltPage | undefined> {
  const archived = await publicArchivedAt(c, story.path);
  if (archived) return { etag: etagOf(archived), html: () => archivedText(c.env.ARCHIVE, archived) };
  const asset = await c.env.ASSETS.fetch(assetRequest(c, story.path));
  if (asset.status !== 200) return undefined;
  return { etag: asset.headers.get('ETag') ?? undefined, html: () => asset.text() };
}

/** The kind of reader for the newsroom: crawlers, which get what anyone gets, are counted apart. */
function readerKindOf(c: Context<AppEnv>, gift: GiftAtStory): ReaderKind {
  if (gift.kind === 'open') return 'gift';
  const reader = c.get('session')?.reader.kind ?? 'anonymous';
  if (reader === 'anonymous') return isCrawler(c.req.header('User-Agent')) ? 'crawler' : 'anonymous';
  return reader === 'subscriber' ? 'subscriber' : 'registered';
}

/** Counts a story served to a reader (not a HEAD request, which reads nothing). */
function countView(c: Context<AppEnv>, story: ManifestStory, served: 'full' | 'teaser', gift: GiftAtStory): void {
  if (c.req.method !== 'GET') return;
  count(c, { event: 'view', story: story.path, section: story.section, access: story.access, reader: readerKindOf(c, gift), served });
}

/** Without the manifest, a story page's own publication time still keeps an embargoed story back. */
async function publicPageUnlessEmbargoed(c: Context<AppEnv>): Promise<Response> {
  const page = await publicFile(c, new URL(c.req.url).pathname);
  if (page.status !== 200 || !page.headers.get('Content-Type')?.startsWith('text/html')) return page;
  const html = await page.text();
  const publishAt = new RegExp(`<meta name="${PUBLISH_AT_META}" content="(\\d+)"`).exec(html)?.[1];
  if (publishAt && Number(publishAt) > Date.now() / 1000) return notFound(c);
  // No arms without the manifest: the site's own wall, no arm's words, and no reader's offer.
  const regions = withArms(new RegionPage(html), new Map(), [], CONTROL.treatment.allowances);
  return new Response(withOffers(regions, { lapsed: false }).toString(), page);
}

function defaultReason(story: ManifestStory): WallReason {
  return story.access === 'premium' ? 'premium' : 'limit';
}

/**
 * The meter matters only for a metered story and a reader who is not a subscriber. It is the one
 * this response will leave the browser with when the session middleware has just merged it with
 * the reader's account, otherwise the browser's own.
 */
async function meterFor(c: Context<AppEnv>, story: ManifestStory, reader: Reader, now: Date): Promise<Meter> {
  if (story.access !== 'metered' || reader.kind === 'subscriber') return { kind: 'counted', read: [] };
  const token = cookieToSet(c, COOKIES.meter) ?? meterCookieIn(c.req.header('Cookie'));
  return readMeter(token, meterSecrets(c.env.METER_SECRET), monthOf(now, settings.timeZone), meterCapacity());
}

/** A reader's place in the running experiments, and what their arms give them. */
interface Arms {
  enrolment: Enrolment;
  treatment: Treatment;
}

/** Every control: the site as content/ has it. What any failure on the way to a decision falls back to. */
const CONTROL: Arms = { enrolment: { enrolled: false, why: 'failed', running: [] }, treatment: treatmentOf(new Map(), []) };

/**
 * Counts the experiments a reader meets here for the first time (functions/experiments). Counting
 * never stands in the way of the page: a failure only leaves the exposure uncounted.
 */
async function countExposures(c: Context<AppEnv>, arms: Arms, where: Parameters<typeof experimentsMet>[1]): Promise<void> {
  if (c.req.method !== 'GET') return;
  try {
    const fresh = await exposeTo(c, arms.enrolment, experimentsMet(arms.enrolment.running, where));
    count(c, ...fresh.map(({ experiment, arm }) => ({ event: 'experiment', experiment, arm, step: 'exposure' }) as const));
  } catch (error) {
    console.error('experiments: an exposure could not be counted:', error);
  }
}

/**
 * Serves a locked story: the full text when the reader may read it, otherwise the teaser and the
 * wall. Every failure on the way (keys, cookies, meter, the full-text asset) ends at the teaser.
 */
export async function serveLockedStory(c: Context<AppEnv>, story: ManifestStory): Promise<Response> {
  const now = new Date();
  personal(c);
  const reader: Reader = c.get('session')?.reader ?? { kind: 'anonymous' };
  let decision: Decision;
  let gift: GiftAtStory = { kind: 'none' };
  let arms = CONTROL;
  try {
    const enrolment = await enrolmentOf(c, reader, now);
    arms = { enrolment, treatment: treatmentOf(assignmentOf(enrolment), enrolment.running) };
    gift = await giftAt(c, story, reader, now);
    const meter = await meterFor(c, story, reader, now);
    decision = decide({ access: story.access, meterKey: story.meterKey, reader, meter, allowances: arms.treatment.allowances, gift: gift.kind === 'open' });
  } catch (error) {
    console.error(`paywall: deciding ${story.path} failed, serving the teaser:`, error);
    arms = CONTROL;
    decision = { serve: 'teaser', reason: defaultReason(story) };
  }
  // A HEAD request carries no story, so it must not spend one of the reader's free stories.
  if (decision.serve === 'full' && decision.metered?.counted && c.req.method === 'HEAD') {
    return teaserResponse(c, story, 'limit', gift, arms);
  }
  if (decision.serve === 'teaser') return teaserResponse(c, story, decision.reason, gift, arms);
  try {
    return await fullResponse(c, story, decision, now, gift, arms);
  } catch (error) {
    console.error(`paywall: full text of ${story.path} failed, serving the teaser:`, error);
    return teaserResponse(c, story, defaultReason(story), gift, CONTROL);
  }
}

function assetRequest(c: Context<AppEnv>, path: string): Request {
  return new Request(new URL(path, c.req.url));
}

async function fullResponse(
  c: Context<AppEnv>,
  story: ManifestStory,
  decision: Extract<Decision, { serve: 'full' }>,
  now: Date,
  gift: GiftAtStory,
  arms: Arms,
): Promise<Response> {
  if (!story.fullPath) throw new Error(`No full text in the manifest for ${story.path}`);
  const html = await fullText(c, story.fullPath);

  const { metered } = decision;
  // Signed before anything is promised, so a failure here still ends at the teaser, uncounted.
  const meter = metered?.counted
    ? await signMeter(metered.read, monthOf(now, settings.timeZone), meterSecrets(c.env.METER_SECRET)[0]!)
    : undefined;
  const page = new RegionPage(html).change(HOOKS.meterNotice, () =>
    metered ? { text: meterNotice(metered.remaining, metered.counted) } : false,
  );
  // Only a subscriber with an account can give: the gift is theirs, and counted against them.
  const session = c.get('session');
  withGiftBlocks(page, gift, session?.reader.kind === 'subscriber' && session.id !== undefined);
  cacheAs(c, 'private');
  if (meter) setCookie(c, COOKIES.meter, meter, secondsUntilNextMonth(now, settings.timeZone));
  countView(c, story, 'full', gift);
  if (metered?.counted) count(c, { event: 'meter', story: story.path, position: metered.read.length, of: metered.read.length + metered.remaining });
  // A reader with an account (registered, or lapsed) has the story added to it, after the response.
  if (metered?.counted && session?.id && session.reader.kind !== 'subscriber') recordRead(c, session.subject, story.meterKey, now);
  if (metered) await countExposures(c, arms, { meter: true });
  return new Response(page.toString(), { status: 200, headers: { 'Content-Type': 'text/html; charset=utf-8' } });
}

/** A story's full-text page as built: from the archive (where the build puts every one), or the assets. Throws when neither gives it. */
async function fullText(c: Context<AppEnv>, fullPath: string): Promise<string> {
  const archived = await archivedAt(c, fullPath);
  if (archived) return archivedText(c.env.ARCHIVE, archived);
  const asset = await c.env.ASSETS.fetch(assetRequest(c, fullPath));
  if (asset.status !== 200) throw new Error(`Full text at ${fullPath} answered ${asset.status}`);
  return asset.text();
}

/**
 * A validator for one teaser as one kind of reader sees it: the page's own, plus the wall's reason
 * and the reader's experiment arms, which decide what else the wall says.
 */
function teaserEtag(page: BuiltPage, reason: WallReason, arms: Arms): string | undefined {
  const etag = page.etag?.replace(/^W\//, '').replaceAll('"', '');
  const variant = [...assignmentOf(arms.enrolment)].map(([experiment, arm]) => `-${experiment}.${arm}`).join('');
  return etag ? `W/"${etag}-${reason}${variant}"` : undefined;
}

async function teaserResponse(c: Context<AppEnv>, story: ManifestStory, reason: WallReason, gift: GiftAtStory, arms: Arms): Promise<Response> {
  let asset: BuiltPage | undefined;
  try {
    asset = await builtPublicPage(c, story);
  } catch (error) {
    console.error(`paywall: the public page of ${story.path} could not be read:`, error);
  }
  if (!asset) return safePage(503, 'This story is not available right now');
  // Anyone may keep a teaser, but must check back, and only for the same cookies.
  cacheAs(c, 'revalidate');
  countView(c, story, 'teaser', gift);
  // A crawler's teaser is filed with its view; only readers meet the wall, so the stop rate is theirs.
  if (c.req.method === 'GET' && readerKindOf(c, gift) !== 'crawler') count(c, { event: 'wall', story: story.path, reason });
  // Crawlers and subscribers are not enrolled: a crawler's teaser is every control's, and counts nothing.
  await countExposures(c, arms, { wall: reason });
  const headers = new Headers({ 'Content-Type': 'text/html; charset=utf-8' });
  const etag = teaserEtag(asset, reason, arms);
  if (etag) {
    headers.set('ETag', etag);
    if (isFresh(c.req.raw, etag)) return new Response(null, { status: 304, headers });
  }
  try {
    // Inner regions first: the arms' lines and words sit inside the wall's messages and the offers'
    // blocks. The wall's reason is `lapsed` exactly for a reader whose subscription ended: the
    // win-back; an arm's offer (an offer "for": "arm" in content/plans.json) replaces the default.
    const { enrolment, treatment } = arms;
    const page = withOffers(
      withArms(new RegionPage(await asset.html()), assignmentOf(enrolment), enrolment.running, treatment.allowances).change(HOOKS.wallReason, (value) => value === reason && {}),
      { lapsed: reason === 'lapsed', override: treatment.offer },
    );
    return new Response(withGiftBlocks(page, gift, false).toString(), {
      status: 200,
      headers,
    });
  } catch (error) {
    console.error(`paywall: the teaser of ${story.path} could not be made:`, error);
    return safePage(503, 'This story is not available right now');
  }
}
