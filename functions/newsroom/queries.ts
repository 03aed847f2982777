import { WALL_REASONS, type WallReason } from '../../src/paywall/access.ts';
import { chargeOf, findPlan } from '../../src/paywall/plans.ts';
import { settings } from '../../src/paywall/settings.ts';
import type { EventName, SubscriptionChange, Via } from '../analytics/events.ts';
import { estimate } from '../analytics/hll.ts';
import { hourRange } from './period.ts';

/**
 * What the newsroom reads: sums of the hourly rows in analytics_counts, in the shapes `rowOf`
 * (functions/analytics/events.ts) writes them, and the subscriptions as D1 holds them now. Every
 * figure is an exact sum of rows; nothing is sampled. Views are readers' views: crawlers, filed
 * apart by the edge, are left out.
 */

type Days = { from: string; to: string };

/** A story's figures for a period. */
export interface StoryFigures {
  views: number;
  fullReads: number;
  wallViews: number;
  registrations: number;
  checkouts: number;
  subscriptions: number;
}

export const NO_FIGURES: StoryFigures = { views: 0, fullReads: 0, wallViews: 0, registrations: 0, checkouts: 0, subscriptions: 0 };

// A view's detail is "access|reader|served"; a subscription's "change|plan|via".
const READER_VIEW = "event = 'view' AND detail NOT LIKE '%|crawler|%'";

/** Each story's figures in the period, by public path; stories with no rows are absent. */
export async function storyFigures(db: D1Database, days: Days): Promise<Map<string, StoryFigures>> {
  const [from, until] = hourRange(days);
  const { results } = await db
    .prepare(
      `SELECT story,
              SUM(CASE WHEN ${READER_VIEW} THEN count ELSE 0 END) AS views,
              SUM(CASE WHEN ${READER_VIEW} AND detail LIKE '%|full' THEN count ELSE 0 END) AS fullReads,
              SUM(CASE WHEN event = 'wall' THEN count ELSE 0 END) AS wallViews,
              SUM(CASE WHEN event = 'registration' THEN count ELSE 0 END) AS registrations,
              SUM(CASE WHEN event = 'checkout_started' THEN count ELSE 0 END) AS checkouts,
              SUM(CASE WHEN event = 'subscription' AND detail LIKE 'started|%' THEN count ELSE 0 END) AS subscriptions
         FROM analytics_counts
        WHERE hour >= ? AND hour < ? AND story != ''
          AND event IN ('view', 'wall', 'registration', 'checkout_started', 'subscription')
        GROUP BY story`,
    )
    .bind(from, until)
    .all<StoryFigures & { story: string }>();
  return new Map(results.map(({ story, ...figures }) => [story, figures]));
}

/** The period's figures that are not per story: the funnel, the meter, money, gifts and feeds. */
export interface Totals {
  views: number;
  walls: Record<WallReason, number>;
  registrations: number;
  checkoutsStarted: number;
  checkoutsCompleted: number;
  subscriptions: Record<SubscriptionChange, number>;
  /** Meter positions read, by allowance and position: `meter.get(10)?.get(4)` is "4 of 10". */
  meter: Map<number, Map<number, number>>;
  /** Money given back, in minor units, by currency. */
  refunds: Map<string, number>;
  giftsMade: number;
  giftsOpened: number;
  /** Registrations and subscriptions that came from a gift of a story. */
  giftRegistrations: number;
  giftSubscriptions: number;
  feedFetches: number;
  linksSent: number;
  linksUsed: number;
}

const TOTAL_EVENTS: EventName[] = ['view', 'meter', 'wall', 'registration', 'link_sent', 'link_used', 'checkout_started', 'checkout_completed', 'subscription', 'refund', 'gift_made', 'gift_opened', 'feed_fetched'];

function emptyTotals(): Totals {
  return {
    views: 0,
    walls: Object.fromEntries(WALL_REASONS.map((reason) => [reason, 0])) as Record<WallReason, number>,
    registrations: 0,
    checkoutsStarted: 0,
    checkoutsCompleted: 0,
    subscriptions: { started: 0, renewed: 0, past_due: 0, cancelling: 0, ended: 0 },
    meter: new Map(),
    refunds: new Map(),
    giftsMade: 0,
    giftsOpened: 0,
    giftRegistrations: 0,
    giftSubscriptions: 0,
    feedFetches: 0,
    linksSent: 0,
    linksUsed: 0,
  };
}

/** Adds one summed row (event, detail, n) to the totals. Details this version does not know are left out, not guessed at. */
function add(totals: Totals, event: string, detail: string, n: number): void {
  switch (event as EventName) {
    case 'view':
      if (detail.split('|')[1] !== 'crawler') totals.views += n;
      return;
    case 'wall':
      if (detail in totals.walls) totals.walls[detail as WallReason] += n;
      return;
    case 'meter': {
      const [position, of] = detail.split('/').map(Number) as [number, number];
      if (!Number.isInteger(position) || !Number.isInteger(of)) return;
      const byPosition = totals.meter.get(of) ?? new Map<number, number>();
      byPosition.set(position, (byPosition.get(position) ?? 0) + n);
      totals.meter.set(of, byPosition);
      return;
    }
    case 'registration':
      totals.registrations += n;
      if ((detail as Via) === 'gift') totals.giftRegistrations += n;
      return;
    case 'checkout_started':
      totals.checkoutsStarted += n;
      return;
    case 'checkout_completed':
      totals.checkoutsCompleted += n;
      return;
    case 'subscription': {
      const [change, , via] = detail.split('|') as [SubscriptionChange, string, string];
      if (change in totals.subscriptions) totals.subscriptions[change] += n;
      if (change === 'started' && via === 'gift') totals.giftSubscriptions += n;
      return;
    }
    case 'refund':
      totals.refunds.set(detail, (totals.refunds.get(detail) ?? 0) + n);
      return;
    case 'gift_made':
      totals.giftsMade += n;
      return;
    case 'gift_opened':
      totals.giftsOpened += n;
      return;
    case 'feed_fetched':
      totals.feedFetches += n;
      return;
    case 'link_sent':
      totals.linksSent += n;
      return;
    case 'link_used':
      totals.linksUsed += n;
      return;
  }
}

export async function totals(db: D1Database, days: Days): Promise<Totals> {
  const [from, until] = hourRange(days);
  const { results } = await db
    .prepare(
      `SELECT event, detail, SUM(count) AS n FROM analytics_counts
        WHERE hour >= ? AND hour < ? AND event IN (${TOTAL_EVENTS.map(() => '?').join(', ')})
        GROUP BY event, detail`,
    )
    .bind(from, until, ...TOTAL_EVENTS)
    .all<{ event: string; detail: string; n: number }>();
  const sums = emptyTotals();
  for (const row of results) add(sums, row.event, row.detail, row.n);
  return sums;
}

/** The subscriptions that give access now, by plan and state, as D1 holds them. */
export interface LiveSubscriptions {
  plan: string;
  state: 'active' | 'cancelling' | 'past_due';
  /** Billed by a provider; otherwise set up by hand (`npm run subscriber`), and paying nothing here. */
  billed: boolean;
  count: number;
}

/**
 * Subscriptions whose reader reads now, grouped: an active one until its period ends, a past-due
 * one for the grace days from when it fell due (src/paywall/entitlement.ts), an ended one never.
 */
export async function liveSubscriptions(db: D1Database, now: number): Promise<LiveSubscriptions[]> {
  const { results } = await db
    .prepare(
      `SELECT plan,
              CASE WHEN status = 'past_due' THEN 'past_due' WHEN cancel_at_period_end = 1 THEN 'cancelling' ELSE 'active' END AS state,
              provider IS NOT NULL AS billed, COUNT(*) AS count
         FROM subscriptions
        WHERE (status = 'active' AND current_period_end > ?1)
           OR (status = 'past_due' AND COALESCE(past_due_since, current_period_end) + ?2 > ?1)
        GROUP BY plan, state, billed
        ORDER BY plan, state, billed`,
    )
    .bind(now, settings.payments.graceDays * 86_400)
    .all<{ plan: string; state: LiveSubscriptions['state']; billed: number; count: number }>();
  return results.map((row) => ({ ...row, billed: row.billed === 1 }));
}

/**
 * Recurring revenue per month, in minor units of the site's currency: each billed subscription
 * that is set to renew, at its plan's price spread over the plan's months. Ones set to end, set up
 * by hand, or on a plan no longer in content/plans.json add nothing.
 */
export function monthlyRevenue(live: LiveSubscriptions[]): number {
  let total = 0;
  for (const group of live) {
    const plan = findPlan(group.plan);
    if (!plan || !group.billed || group.state === 'cancelling') continue;
    total += (chargeOf(plan) / plan.months) * group.count;
  }
  return Math.round(total);
}

/**
 * Unique readers of each local day in the period, by scope ("site", "section:<id>", "wall"): the
 * number kept for a day that is over, or the estimate from the registers of today and yesterday,
 * which are still filling. Each day's readers are counted apart: the salt changes every day, so
 * nobody can be followed from one day to the next.
 */
export async function dailyReaders(db: D1Database, days: Days): Promise<Map<string, Map<string, number>>> {
  const [from, until] = hourRange(days);
  const [closed, open] = await db.batch<{ day: string; scope: string; readers?: number; ranks?: string }>([
    db
      .prepare("SELECT substr(hour, 1, 10) AS day, detail AS scope, count AS readers FROM analytics_counts WHERE event = 'uniques' AND hour >= ? AND hour < ?")
      .bind(from, until),
    db.prepare('SELECT day, scope, json_group_array(rank) AS ranks FROM analytics_uniques WHERE day >= ? AND day <= ? GROUP BY day, scope').bind(days.from, days.to),
  ]);
  const readers = new Map<string, Map<string, number>>();
  const set = (day: string, scope: string, value: number) => {
    if (!readers.has(day)) readers.set(day, new Map());
    readers.get(day)!.set(scope, value);
  };
  for (const row of closed!.results) set(row.day, row.scope, row.readers ?? 0);
  for (const row of open!.results) set(row.day, row.scope, estimate(JSON.parse(row.ranks ?? '[]') as number[]));
  return readers;
}
