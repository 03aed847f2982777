import type { MiddlewareHandler } from 'hono';
import { STORY_CARD_ATTRIBUTE, type ManifestStory } from '../../src/paywall/manifest.ts';
import type { AppEnv } from '../env.ts';
import { loadManifest } from '../manifest/index.ts';

/** True while a story's publication time is still ahead. */
export function isEmbargoed(story: Pick<ManifestStory, 'publishAt'>, now: number): boolean {
  return story.publishAt > now;
}

/**
 * Listings are built with every story, embargoed ones included, each card marked with its story's
 * path. While the manifest says a story's time has not come, the edge takes its cards out, so it
 * appears on the front page and in its section exactly when it is published, without a rebuild.
 * While anything is embargoed such pages get no validators, so no cache keeps the earlier version.
 */
export const hideEmbargoedCards: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  if (c.req.method !== 'GET' || !c.res.headers.get('Content-Type')?.startsWith('text/html')) return;
  const now = Date.now() / 1000;
  let embargoed: Set<string>;
  try {
    const manifest = await loadManifest(c.env.ASSETS, c.req.url);
    embargoed = new Set([...manifest.values()].filter((story) => isEmbargoed(story, now)).map((story) => story.path));
  } catch (error) {
    console.error('paywall: manifest unavailable, listings shown as built:', error);
    return;
  }
  if (embargoed.size === 0) return;
  const rewriter = new HTMLRewriter().on(`[${STORY_CARD_ATTRIBUTE}]`, {
    element(card) {
      if (embargoed.has(card.getAttribute(STORY_CARD_ATTRIBUTE) ?? '')) card.remove();
    },
  });
  const response = rewriter.transform(c.res);
  c.res = new Response(response.body, response);
  c.res.headers.delete('ETag');
  // Never loosen a response's caching: full text stays private, no-store.
  if (!/private|no-store/.test(c.res.headers.get('Cache-Control') ?? '')) c.res.headers.set('Cache-Control', 'public, max-age=60');
};
