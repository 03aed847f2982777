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
 * path. While the manifest's short list of pending embargoes says a story's time has not come, the
 * edge takes its cards out, so it appears on the front page and in its section exactly when it is
 * published, without a rebuild.
 * While anything is embargoed such pages get no validators and a short life in caches, so no
 * cache keeps the earlier version for long.
 */
export const hideEmbargoedCards: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  if (c.req.method !== 'GET' || !isHtml(c.res.headers)) return;
  const now = Date.now() / 1000;
  let embargoed: Set<string>;
  try {
    // Only stories embargoed when the site was built can be embargoed now: a short list, whatever the archive's size.
    const { pending } = await loadManifestIndex(c.env.ASSETS, c.req.url);
    embargoed = new Set(pending.filter((story) => isEmbargoed(story, now)).map((story) => story.path));
  } catch (error) {
    console.error('paywall: manifest unavailable, listings shown as built:', error);
    return;
  }
  if (embargoed.size === 0) return;
  const rewriter = new HTMLRewriter().on(hook(HOOKS.storyCard), {
    element(card) {
      if (embargoed.has(card.getAttribute(HOOKS.storyCard) ?? '')) card.remove();
    },
  });
  const rewritten = rewriter.transform(c.res);
  const response = new Response(rewritten.body, rewritten);
  response.headers.delete('ETag');
  cacheAs(c, { publicFor: 60 });
  c.res = undefined;
  c.res = response;
};
