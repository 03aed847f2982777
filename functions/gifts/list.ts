import { formatDay } from '../../src/paywall/dates.ts';
import { PAGES } from '../../src/paywall/contract.ts';
import { escapeHtml } from '../pages/index.ts';
import { giftLink } from './links.ts';
import type { Gift } from './store.ts';

const day = (seconds: number) => formatDay(new Date(seconds * 1000));

/** A gift's state in words, or undefined while its link still opens the story. */
function ended(gift: Gift, now: number): string | undefined {
  if (gift.revoked_at !== null) return `Withdrawn on ${day(gift.revoked_at)}.`;
  if (gift.expires_at <= now) return `Ended on ${day(gift.expires_at)}.`;
  if (gift.opens >= gift.max_opens) return `Opened all ${gift.max_opens} times it could be.`;
  return undefined;
}

/**
 * The account page's list of a subscriber's gifts: each story, how often its link was opened and
 * until when it works, and for a link that still works the link again and a button to withdraw it.
 * Everything from D1 is escaped.
 */
export async function giftListHtml(secret: string | undefined, origin: string, gifts: Gift[], now: number): Promise<string> {
  const items = await Promise.all(
    gifts.map(async (gift) => {
      const title = escapeHtml(gift.story_title);
      const story = `<p class="gift-story"><a href="${escapeHtml(gift.story_path)}">${title}</a></p>`;
      const over = ended(gift, now);
      if (over) return `<li class="gift-item">${story}<p>${escapeHtml(over)}</p></li>`;
      const id = escapeHtml(gift.id);
      const link = escapeHtml(await giftLink(secret, origin, gift));
      return `<li class="gift-item">${story}
<p>Opened ${gift.opens} of ${gift.max_opens} times. Works until ${escapeHtml(day(gift.expires_at))}. From “${escapeHtml(gift.from_name)}”.</p>
<label for="gift-${id}">Link</label>
<input id="gift-${id}" class="gift-link" readonly value="${link}">
<form method="post" action="${PAGES.revokeGift}" class="form-inline"><input type="hidden" name="gift" value="${id}"><button class="button button-secondary" type="submit">Withdraw<span class="visually-hidden"> the gift of ${title}</span></button></form>
</li>`;
    }),
  );
  return items.join('\n');
}
