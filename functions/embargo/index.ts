import type { MiddlewareHandler } from 'hono';
import { HOOKS, hook } from '../../src/paywall/contract.ts';
import type { ManifestStory } from '../../src/paywall/manifest.ts';
import type { AppEnv } from '../env.ts';
import { loadManifestIndex } from '../manifest/index.ts';
import { cacheAs, isHtml } from '../response/index.ts';

/** True while a story's publication time is still ahead. */
export function isEmbargoed(story: Pick<ManifestStory, 'publishAt'>, now: number): boolean {
  return story.publishAt > now;
}

/**
 * Listings are built with every story, embargoed ones included, each card marked with its story's
 * path and publication time. While the manifest's short list of pending embargoes says a story's
 * time has not come, the edge takes its cards out, so it appears on the front page and in its
 * section exactly when it is published, without a rebuild. When that list cannot be read, every
 * card's own time decides instead, so a listing never shows an embargoed story.
 * While anything is embargoed such pages get no validators and a short life in caches, so no
 * cache keeps the earlier version for long.
 */
export const hideEmbargoedCards: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  if (c.req.method !== 'GET' || !isHtml(c.res.headers)) return;
  const now = Date.now() / 1000;
  let embargoed: (card: Element) => boolean;
  try {
    // Only stories embargoed when the site was built can be embargoed now: a short list, whatever the archive's size.
    const { pending } = await loadManifestIndex(c.env.ASSETS, c.req.url);
    const paths = new Set(pending.filter((story) => isEmbargoed(story, now)).map((story) => story.path));
    if (paths.size === 0) return;
    embargoed = (card) => paths.has(card.getAttribute(HOOKS.storyCard) ?? '');
  } catch (error) {
    // Without that list each card's own publication time decides; a card without one goes.
    console.error('paywall: manifest unavailable, hiding cards by their own publication times:', error);
    embargoed = (card) => {
      const publishAt = card.getAttribute(HOOKS.storyPublishAt) ?? '';
      return !/^\d+$/.test(publishAt) || isEmbargoed({ publishAt: Number(publishAt) }, now);
    };
  }
  const rewriter = new HTMLRewriter().on(hook(HOOKS.storyCard), {
    element(card) {
      if (embargoed(card)) card.remove();
    },
  });
  const rewritten = rewriter.transform(c.res);
  const response = new Response(rewritten.body, rewritten);
  response.headers.delete('ETag');
  cacheAs(c, { publicFor: 60 });
  c.res = undefined;
  c.res = response;
};
