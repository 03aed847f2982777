import type { Context } from 'hono';
import { generateCookie, getCookie } from 'hono/cookie';
import { decide, type Decision, type Meter, type Reader, type WallReason } from '../../src/paywall/access.ts';
import type { ManifestStory } from '../../src/paywall/manifest.ts';
import { settings } from '../../src/paywall/settings.ts';
import type { AppEnv } from '../env.ts';
import { METER_COOKIE, meterSecrets, monthOf, readMeter, secondsUntilNextMonth, signMeter } from '../meter/index.ts';
import { meterNotice } from '../meter/notice.ts';
import { safePage } from '../pages/index.ts';

/** Responses whose body depends on the reader's cookies. */
const VARY = 'Cookie';

/**
 * The meter cookie's value. A meter cookie whose value the cookie parser drops (odd characters)
 * still counts as a meter that does not verify, not as no meter.
 */
function meterCookie(c: Context<AppEnv>): string | undefined {
  const value = getCookie(c, METER_COOKIE);
  if (value !== undefined) return value;
  const sent = (c.req.header('Cookie') ?? '').split(';').some((pair) => pair.trim().startsWith(`${METER_COOKIE}=`));
  return sent ? '' : undefined;
}

function defaultReason(story: ManifestStory): WallReason {
  return story.access === 'premium' ? 'premium' : 'limit';
}

async function decideFor(c: Context<AppEnv>, story: ManifestStory, now: Date): Promise<Decision> {
  const reader: Reader = c.get('session')?.reader ?? { kind: 'anonymous' };
  const limit = settings.freeStoriesPerMonth;
  // The meter matters only for a metered story and a reader who is not a subscriber; reading it
  // only then keeps a broken meter secret from walling subscribers.
  const meter: Meter =
    story.access === 'metered' && reader.kind !== 'subscriber'
      ? await readMeter(meterCookie(c), meterSecrets(c.env.METER_SECRET), monthOf(now, settings.timeZone), limit)
      : { kind: 'counted', read: [] };
  return decide({ access: story.access, meterKey: story.meterKey, reader, meter, limit });
}

function assetRequest(c: Context<AppEnv>, path: string): Request {
  return new Request(new URL(path, c.req.url));
}

async function fullResponse(
  c: Context<AppEnv>,
  story: ManifestStory,
  decision: Extract<Decision, { serve: 'full' }>,
  now: Date,
): Promise<Response> {
  if (!story.fullPath) throw new Error(`No full text in the manifest for ${story.path}`);
  const asset = await c.env.ASSETS.fetch(assetRequest(c, story.fullPath));
  if (asset.status !== 200) throw new Error(`Full text of ${story.path} answered ${asset.status}`);

  const { metered } = decision;
  const rewriter = new HTMLRewriter().on('[data-meter-notice]', {
    element(element) {
      if (metered) {
        element.removeAttribute('hidden');
        element.setInnerContent(meterNotice(metered.remaining, metered.counted));
      } else {
        element.remove();
      }
    },
  });
  const response = rewriter.transform(
    new Response(asset.body, {
      status: 200,
      headers: { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'private, no-store', Vary: VARY },
    }),
  );
  if (metered?.counted) {
    const meter = await signMeter(metered.read, monthOf(now, settings.timeZone), meterSecrets(c.env.METER_SECRET)[0]!);
    const cookie = generateCookie(METER_COOKIE, meter, {
      maxAge: secondsUntilNextMonth(now, settings.timeZone),
      path: '/',
      httpOnly: true,
      secure: true,
      sameSite: 'Lax',
    });
    response.headers.append('Set-Cookie', cookie);
  }
  return response;
}

/** A validator for one teaser as one kind of reader sees it: the asset's own, plus the wall's reason. */
function teaserEtag(asset: Response, reason: WallReason): string | undefined {
  const etag = asset.headers.get('ETag')?.replace(/^W\//, '').replaceAll('"', '');
  return etag ? `W/"${etag}-${reason}"` : undefined;
}

async function teaserResponse(c: Context<AppEnv>, story: ManifestStory, reason: WallReason): Promise<Response> {
  const asset = await c.env.ASSETS.fetch(assetRequest(c, story.path));
  if (asset.status !== 200) return safePage(503, 'This story is not available right now');
  // Anyone may keep a teaser, but must check back, and only for the same cookies.
  const headers = new Headers({ 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'public, max-age=0, must-revalidate', Vary: VARY });
  const etag = teaserEtag(asset, reason);
  if (etag) {
    headers.set('ETag', etag);
    const wanted = c.req.header('If-None-Match')?.split(',').map((tag) => tag.trim());
    if (wanted?.includes(etag) || wanted?.includes('*')) return new Response(null, { status: 304, headers });
  }
  const rewriter = new HTMLRewriter().on('[data-wall-reason]', {
    element(element) {
      if (element.getAttribute('data-wall-reason') === reason) element.removeAttribute('hidden');
      else element.remove();
    },
  });
  return rewriter.transform(new Response(asset.body, { status: 200, headers }));
}

/**
 * Serves a locked story: the full text when the reader may read it, otherwise the teaser and the
 * wall. Every failure on the way (keys, cookies, meter, the full-text asset) ends at the teaser.
 */
export async function serveLockedStory(c: Context<AppEnv>, story: ManifestStory): Promise<Response> {
  const now = new Date();
  let decision: Decision;
  try {
    decision = await decideFor(c, story, now);
  } catch (error) {
    console.error(`paywall: deciding ${story.path} failed, serving the teaser:`, error);
    decision = { serve: 'teaser', reason: defaultReason(story) };
  }
  // A HEAD request carries no story, so it must not spend one of the reader's free stories.
  if (decision.serve === 'full' && decision.metered?.counted && c.req.method === 'HEAD') {
    return teaserResponse(c, story, 'limit');
  }
  if (decision.serve === 'full') {
    try {
      return await fullResponse(c, story, decision, now);
    } catch (error) {
      console.error(`paywall: full text of ${story.path} failed, serving the teaser:`, error);
      return teaserResponse(c, story, defaultReason(story));
    }
  }
  return teaserResponse(c, story, decision.reason);
}
