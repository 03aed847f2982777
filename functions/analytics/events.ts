import type { Access, WallReason } from '../../src/paywall/access.ts';
import { STORY_PREFIX } from '../../src/paywall/contract.ts';
import { dateTimeFormat } from '../../src/paywall/intl.ts';

/**
 * What the newsroom counts: each event at the point where the edge or a webhook decides it. A
 * count names a story by its public path, a plan by its id, and nothing about who the reader is
 * beyond the kind of reader: never an address, an email, an account or a cookie.
 */

/** Who read: the kind of session, a gift in the address, or a crawler named in ./crawlers.ts. */
export type ReaderKind = 'anonymous' | 'registered' | 'subscriber' | 'gift' | 'crawler';

/** How a registration or a subscription came from a story: its wall, its registration offer, or a gift of it. */
export type Via = 'wall' | 'offer' | 'gift';

/** A story a registration or subscription is counted for, and how. */
export interface Attribution {
  story: string;
  via: Via;
}

const VIAS: ReadonlySet<string> = new Set<Via>(['wall', 'offer', 'gift']);

/**
 * An attribution read back from somewhere that only carries strings (a provider's metadata, a D1
 * row), or null when it names no story or an unknown way: a story path is all it may ever hold,
 * short enough for Razorpay's 256-character notes.
 */
export function attributionFrom(story: unknown, via: unknown): Attribution | null {
  if (typeof story !== 'string' || typeof via !== 'string' || !VIAS.has(via)) return null;
  if (!story.startsWith(`${STORY_PREFIX}/`) || story.length > 256 || !/^[\w\-/.~%]+$/.test(story)) return null;
  return { story, via: via as Via };
}

/** A subscription's changes, from the provider's webhooks. */
export type SubscriptionChange = 'started' | 'renewed' | 'past_due' | 'cancelling' | 'ended';

/** Where an experiment's reader is counted: first meeting what varies, then each outcome. */
export const EXPERIMENT_STEPS = ['exposure', 'registration', 'checkout', 'subscription', 'renewal'] as const;
export type ExperimentStep = (typeof EXPERIMENT_STEPS)[number];

export type Count =
  | { event: 'view'; story: string; section: string; access: Access; reader: ReaderKind; served: 'full' | 'teaser' }
  /** A metered story read in full on the allowance: the `position`th of `of` this month. */
  | { event: 'meter'; story: string; position: number; of: number }
  | { event: 'wall'; story: string; reason: WallReason }
  /** A new account from a log-in link. */
  | { event: 'registration'; from: Attribution | null }
  | { event: 'link_sent' }
  | { event: 'link_used' }
  | { event: 'checkout_started'; plan: string; from: Attribution | null }
  | { event: 'checkout_completed'; plan: string; from: Attribution | null }
  | { event: 'subscription'; change: SubscriptionChange; plan: string; from: Attribution | null }
  /** Money given back, in minor units of `currency`. */
  | { event: 'refund'; amount: number; currency: string }
  | { event: 'gift_made'; story: string }
  | { event: 'gift_opened'; story: string }
  | { event: 'feed_fetched' }
  /** A reader in `arm` of `experiment` met it (`exposure`), or reached an outcome: never who they are. */
  | { event: 'experiment'; experiment: string; arm: string; step: ExperimentStep };

export type EventName = Count['event'];

const EVENT_NAMES: ReadonlySet<string> = new Set<EventName>([
  'view',
  'meter',
  'wall',
  'registration',
  'link_sent',
  'link_used',
  'checkout_started',
  'checkout_completed',
  'subscription',
  'refund',
  'gift_made',
  'gift_opened',
  'feed_fetched',
  'experiment',
]);

/** Whether a value read back from the queue is a count this version knows. */
export function isCount(value: unknown): value is Count {
  return typeof value === 'object' && value !== null && EVENT_NAMES.has((value as { event?: unknown }).event as string);
}

/**
 * Counts lost because the queue refused them, reported with the next message that gets through
 * (a failing queue cannot carry its own failure).
 */
export const UNCOUNTED = 'uncounted';

/** One request's counts. */
export interface RequestCounts {
  /** The local hour and day (the site's time zone) when the request was decided. */
  hour: string;
  day: string;
  counts: Count[];
  /** The day's salted hash of the reader and the scopes it counts in, for unique readers. */
  visitor?: { hash: string; scopes: string[] };
}

/**
 * What the queue carries: the counts of the requests an isolate decided while its previous
 * message was on its way (one request's, when the site is quiet).
 */
export interface CountMessage {
  v: 2;
  /** The local hour and day when the message was sent: they file `uncounted` and the message id. */
  hour: string;
  day: string;
  requests: RequestCounts[];
  /** Counts this isolate failed to send before this message. */
  uncounted?: number;
}

/** A row of analytics_counts: the event, the story (or ''), what else it is about, and how much it adds. */
export type CountRow = [event: string, story: string, detail: string, add: number];

const from = (attribution: Attribution | null) => ({ story: attribution?.story ?? '', via: attribution?.via ?? '' });

/** Where a count goes in analytics_counts. The newsroom reads `detail` back with `readDetail`. */
export function rowOf(count: Count): CountRow {
  switch (count.event) {
    case 'view':
      return [count.event, count.story, `${count.access}|${count.reader}|${count.served}`, 1];
    case 'meter':
      return [count.event, count.story, `${count.position}/${count.of}`, 1];
    case 'wall':
      return [count.event, count.story, count.reason, 1];
    case 'registration': {
      const { story, via } = from(count.from);
      return [count.event, story, via, 1];
    }
    case 'checkout_started':
    case 'checkout_completed': {
      const { story, via } = from(count.from);
      return [count.event, story, `${count.plan}|${via}`, 1];
    }
    case 'subscription': {
      const { story, via } = from(count.from);
      return [count.event, story, `${count.change}|${count.plan}|${via}`, 1];
    }
    case 'refund':
      return [count.event, '', count.currency, count.amount];
    case 'gift_made':
    case 'gift_opened':
      return [count.event, count.story, '', 1];
    case 'link_sent':
    case 'link_used':
    case 'feed_fetched':
      return [count.event, '', '', 1];
    case 'experiment':
      return [count.event, '', `${count.experiment}|${count.arm}|${count.step}`, 1];
  }
}

/** The local day and hour of a moment in the site's time zone: "2026-12-05" and "2026-12-05T09". */
export function localHour(date: Date, timeZone: string): { day: string; hour: string } {
  const parts = dateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', hourCycle: 'h23' }).formatToParts(date);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((candidate) => candidate.type === type)?.value ?? '00';
  const day = `${part('year')}-${part('month')}-${part('day')}`;
  return { day, hour: `${day}T${part('hour')}` };
}
