import { HOOKS } from '../../src/paywall/contract.ts';
import { keepsOfferRegion, offersFor, type OfferReader } from '../../src/paywall/offers.ts';
import type { RegionPage } from '../pages/regions.ts';

/**
 * Keeps, on a wall's plan cards, the offer chosen for this reader and cuts the others, so a
 * win-back price reaches only a reader whose subscription ended, and an experiment's offer only
 * the readers of its arm (`reader.override`).
 */
export function withOffers(page: RegionPage, reader: OfferReader): RegionPage {
  const chosen = offersFor(reader);
  return page.change(HOOKS.planOffer, (value) => keepsOfferRegion(chosen, value) && {});
}
