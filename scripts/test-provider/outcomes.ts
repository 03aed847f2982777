// What the state machines of both providers answer when they will not do what was asked.
import type { CardField } from './cards.ts';

/** Asked for something the subscription's current state does not allow (a 400 in either API). */
export class TransitionError extends Error {}

/** A payment form (or the pay control) refused: the status to answer with and what to fix. */
export type PaymentRefusal = { ok: false; status: 400 | 402 | 409; field: CardField | 'email' | 'contact' | 'promotion_code' | undefined; message: string };
