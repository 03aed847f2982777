import type { Context } from 'hono';
import type { Reader } from '../../src/paywall/access.ts';
import { GIFT_PARAM } from '../../src/paywall/contract.ts';
import type { ManifestStory } from '../../src/paywall/manifest.ts';
import { rememberGift } from '../analytics/attribution.ts';
import { count } from '../analytics/index.ts';
import type { AppEnv } from '../env.ts';
import { giftIdFor } from './links.ts';
import { openGift } from './store.ts';

/** What a request's gift does for the story it asks for. */
export type GiftAtStory =
  /** No gift, or none needed (a subscriber), or a HEAD request, which carries no story. */
  | { kind: 'none' }
  /** A gift for this story that still opens: one open has been counted. */
  | { kind: 'open'; from: string }
  /** A gift link that opens nothing here: forged, edited, for another story, expired, used up, withdrawn. */
  | { kind: 'refused' };

/**
 * Checks the gift in the address against this story, and counts the open if it is good: in D1,
 * where it spends one of the link's opens, and for the newsroom, which also remembers the story in
 * this browser so that a registration or subscription soon after is counted for it.
 */
export async function giftAt(c: Context<AppEnv>, story: ManifestStory, reader: Reader, now: Date): Promise<GiftAtStory> {
  const value = c.req.query(GIFT_PARAM);
  if (value === undefined || reader.kind === 'subscriber' || c.req.method !== 'GET') return { kind: 'none' };
  const id = await giftIdFor(c.env.SIGNING_SECRET, value, story.path, now);
  const from = id ? await openGift(c.env.DB, id, story.path, Math.floor(now.getTime() / 1000)) : undefined;
  if (from === undefined) return { kind: 'refused' };
  count(c, { event: 'gift_opened', story: story.path });
  await rememberGift(c, story.path).catch((error: unknown) => console.error('analytics: the gift\'s story could not be remembered for attribution:', error));
  return { kind: 'open', from };
}
