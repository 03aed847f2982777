// Offers on the wall, as readers meet them: each plan card shows the offer chosen for its reader
// in exact money, and a win-back offer is in a lapsed reader's wall and nowhere in anyone else's.
import { describe, expect, it } from 'vitest';
import { offersFor, offerTerms } from '../src/paywall/offers.ts';
import { findPlan, plansFile } from '../src/paywall/plans.ts';
import { sourceStoryWith } from './content.ts';
import { textOf } from './html.ts';
import { Reader } from './reader.ts';

const premium = sourceStoryWith('premium');
const winBacks = plansFile.offers.filter((offer) => offer.for === 'lapsed');
const terms = (offer: (typeof plansFile.offers)[number]) => textOf(offerTerms(offer, findPlan(offer.plan)!));
// Offers the wall may carry for someone: win-backs, experiment arms. Their ids must not reach a reader they are not for.
const notForEveryone = plansFile.offers.filter((offer) => offer.for !== 'everyone');

describe('offers on the wall', () => {
  it('shows a new visitor the offers for everyone, and no win-back, arm or code offer anywhere in the page', async () => {
    const page = await new Reader().get(premium.path);
    expect(page.status).toBe(200);
    for (const offer of offersFor({ lapsed: false }).values()) expect(page.text).toContain(terms(offer));
    for (const offer of notForEveryone) {
      expect(page.html).not.toContain(`value="${offer.id}"`);
      expect(page.html).not.toContain(`.${offer.id}]`);
    }
    expect(page.html).not.toContain('<!--[data-plan-offer');
  });

  it.skipIf(winBacks.length === 0)('shows a reader whose subscription ended the win-back offer, with a button that takes it', async () => {
    const lapsedOn = winBacks[0]!.plan;
    const page = await Reader.withToken('--plan', lapsedOn, '--expired').get(premium.path);
    for (const offer of winBacks) {
      expect(page.text).toContain(terms(offer));
      expect(page.html).toMatch(new RegExp(`<button[^>]*name="offer" value="${offer.id}"`));
    }
  });
});
