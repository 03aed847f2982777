import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import { COOKIES, STORY_PREFIX } from '../../src/paywall/contract.ts';
import type { AppEnv } from '../env.ts';
import { manifestEntry } from '../manifest/index.ts';
import { setCookie } from '../response/index.ts';
import { sign, verify } from '../signed/index.ts';
import { attributionFrom, type Attribution } from './events.ts';

/**
 * Which story a registration or a checkout came from. A gift opened in this browser within
 * GIFT_ATTRIBUTION_DAYS wins, as the issue asks; otherwise the story whose wall (plan cards) or
 * registration offer the form was sent from, named by its `return` path. The answer only ever
 * labels counts and records: nothing reads it to decide what a reader may see or pay.
 */

export const GIFT_ATTRIBUTION_DAYS = 30;
const GIFT_SECONDS = GIFT_ATTRIBUTION_DAYS * 86_400;
const PURPOSE = 'gift-attribution';

/** Remembers in this browser, signed, that a gift of `story` opened here. */
export async function rememberGift(c: Context<AppEnv>, story: string): Promise<void> {
  setCookie(c, COOKIES.giftAttribution, await sign(c.env.SIGNING_SECRET, PURPOSE, { p: story }, GIFT_SECONDS), GIFT_SECONDS);
}

/** The story of a gift opened in this browser within the last 30 days, if its cookie verifies. */
async function giftStory(c: Context<AppEnv>): Promise<string | undefined> {
  const claims = await verify(c.env.SIGNING_SECRET, PURPOSE, getCookie(c, COOKIES.giftAttribution));
  return typeof claims?.['p'] === 'string' ? claims['p'] : undefined;
}

/**
 * The attribution of a form sent with `returnTo`, or null. Failures (a manifest that cannot be
 * read) give null: attribution must never stop a reader registering or paying.
 */
export async function attributionFor(c: Context<AppEnv>, returnTo: string, via: 'wall' | 'offer'): Promise<Attribution | null> {
  try {
    const gift = attributionFrom(await giftStory(c), 'gift');
    if (gift) return gift;
    const path = new URL(returnTo, c.req.url).pathname;
    if (!path.startsWith(`${STORY_PREFIX}/`)) return null;
    // The form's `return` is the browser's to write: only a story of this build is believed.
    const story = await manifestEntry(c.env.ASSETS, c.req.url, path);
    return story ? attributionFrom(story.path, via) : null;
  } catch (error) {
    console.error('analytics: could not tell which story this came from; it is counted without one:', error);
    return null;
  }
}
