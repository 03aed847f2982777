import { GIFT_PARAM } from '../../src/paywall/contract.ts';
import { sign, verify } from '../signed/index.ts';
import type { Gift } from './store.ts';

/**
 * A gift link is the story's own address with a signed value (SIGNING_SECRET) naming the gift and
 * the story: `/stories/<slug>/?gift=…`. The signature makes a forged, edited or truncated value
 * worthless without looking anything up; it binds the gift to one story; and it expires with the
 * gift. The gift's row in D1 still decides whether it opens (its opens, a withdrawal, the giver's
 * subscription).
 *
 * Signing the same gift again gives the same link (the same claims, times and key), so the
 * account page can show a subscriber their links again without storing them.
 */
const PURPOSE = 'gift';

export async function giftLink(secret: string | undefined, origin: string, gift: Pick<Gift, 'id' | 'story_path' | 'created_at' | 'expires_at'>): Promise<string> {
  const value = await sign(secret, PURPOSE, { g: gift.id, p: gift.story_path }, gift.expires_at - gift.created_at, new Date(gift.created_at * 1000));
  return `${origin}${gift.story_path}?${GIFT_PARAM}=${value}`;
}

/** The gift's id, if `value` is a gift signed by us for this very story and not expired. */
export async function giftIdFor(secret: string | undefined, value: string, storyPath: string, now: Date): Promise<string | undefined> {
  const claims = await verify(secret, PURPOSE, value, now);
  return claims && claims['p'] === storyPath && typeof claims['g'] === 'string' ? claims['g'] : undefined;
}
