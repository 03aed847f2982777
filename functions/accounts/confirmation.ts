import { PAGES } from '../../src/paywall/contract.ts';
import { safePage } from '../pages/index.ts';
import type { SessionRecord } from './store.ts';

/**
 * What an account whose email is unproven may not do yet. A checkout makes the account from the
 * email the payer typed, which may be someone else's: until a log-in link to that address is
 * used, the account reads what was paid for on the browser that paid, and nothing more lasting
 * (a password, a gift, a feed address) comes from it.
 */
export function unconfirmed(record: SessionRecord, what: string): Response | undefined {
  if (record.email_confirmed) return undefined;
  return safePage(403, `Confirm your email to ${what}`, {
    detail: `Your account was made with the email you paid with, and we have not yet checked that it is yours. Your <a href="${PAGES.account}">account page</a> sends you a link to confirm it.`,
  });
}
