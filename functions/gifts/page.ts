import { HOOKS } from '../../src/paywall/contract.ts';
import type { RegionPage } from '../pages/regions.ts';
import type { GiftAtStory } from './open.ts';

/**
 * The gift blocks of a story page, kept or removed for this reader. On a full page: the form that
 * makes a gift (subscribers with an account), and the note and plans a gift's recipient sees. On a
 * teaser: the note that a gift link no longer opens the story.
 */
export function withGiftBlocks(page: RegionPage, gift: GiftAtStory, canGive: boolean): RegionPage {
  return page
    .change(HOOKS.giftForm, () => canGive && {})
    .change(HOOKS.giftFrom, () => gift.kind === 'open' && { text: gift.from })
    .change(HOOKS.giftNote, () => gift.kind === 'open' && {})
    .change(HOOKS.giftRefused, () => gift.kind === 'refused' && {});
}
