import { HOOKS, hook } from '../../src/paywall/contract.ts';
import { showIf, text } from '../pages/built.ts';
import type { GiftAtStory } from './open.ts';

/**
 * The gift blocks of a story page, kept or removed for this reader. On a full page: the form that
 * makes a gift (subscribers with an account), and the note and plans a gift's recipient sees. On a
 * teaser: the note that a gift link no longer opens the story.
 */
export function withGiftBlocks(rewriter: HTMLRewriter, gift: GiftAtStory, canGive: boolean): HTMLRewriter {
  return rewriter
    .on(hook(HOOKS.giftForm), showIf(canGive))
    .on(hook(HOOKS.giftNote), showIf(gift.kind === 'open'))
    .on(hook(HOOKS.giftFrom), text(gift.kind === 'open' ? gift.from : ''))
    .on(hook(HOOKS.giftRefused), showIf(gift.kind === 'refused'));
}
