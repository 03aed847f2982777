// The record of each webhook the test provider sends: what was sent, to where, and how each
// attempt went. Plain data, shared by the sender, the accounts that keep it and the control pages.
import type { PaymentProviderName } from '../../src/paywall/settings.ts';

/** One event, serialised once: every delivery and retry sends these exact bytes. */
export interface OutgoingEvent {
  id: string;
  type: string;
  body: string;
}

export interface DeliveryAttempt {
  /** Unix milliseconds when the attempt started. */
  at: number;
  status: number | undefined;
  error: string | undefined;
  durationMs: number;
}

export type DeliveryState = 'outbox' | 'drained' | 'sending' | 'retrying' | 'delivered' | 'failed' | 'cancelled';

export interface Delivery {
  eventId: string;
  type: string;
  body: string;
  /** Undefined while the delivery waits in the outbox. */
  url: string | undefined;
  attempts: DeliveryAttempt[];
  state: DeliveryState;
}

/** A delivery handed to a test by POST /_control/outbox/drain, ready to POST to the Worker. */
export interface DrainedDelivery {
  provider: PaymentProviderName;
  eventId: string;
  type: string;
  headers: Record<string, string>;
  body: string;
}
