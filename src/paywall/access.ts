/**
 * Who may read what. Pure functions, shared by the edge (which enforces them) and the build
 * (which labels stories). Nothing here may look at request headers: access depends only on the
 * verified session, the verified meter, a verified gift and the story's access level.
 */

export const ACCESS_LEVELS = ['free', 'metered', 'premium'] as const;
export type Access = (typeof ACCESS_LEVELS)[number];

/** What the verified session cookie says about the reader. */
export type Reader =
  | { kind: 'anonymous' }
  /** Has a free account and no subscription. */
  | { kind: 'registered' }
  | { kind: 'subscriber'; plan: string; until: number }
  /** Had a subscription that has ended. The account stays, so they read as a registered reader does. */
  | { kind: 'lapsed'; plan: string; endedAt: number };

/**
 * The reader's allowance this month. `untrusted` means a meter cookie was present but could
 * not be verified: it is treated as used up, so a forged meter never buys a story.
 */
export type Meter = { kind: 'counted'; read: readonly string[] } | { kind: 'untrusted' };

/**
 * Why the wall is up: the allowance is used (`limit`), or used without an account while a free
 * account would give more (`register`), the story is for subscribers (`premium`), or the
 * reader's subscription has ended (`lapsed`).
 */
export const WALL_REASONS = ['register', 'limit', 'premium', 'lapsed'] as const;
export type WallReason = (typeof WALL_REASONS)[number];

/** Metered stories a month, per kind of reader (`freeStoriesPerMonth`, `registeredStoriesPerMonth`). */
export interface Allowances {
  anonymous: number;
  /** With a free account; 0 when the site has no registration step. */
  registered: number;
}

export type Decision =
  | { serve: 'full'; metered?: { read: string[]; remaining: number; counted: boolean }; gift?: true }
  | { serve: 'teaser'; reason: WallReason };

export interface DecisionInput {
  access: Access;
  /** The story's key in the meter. */
  meterKey: string;
  reader: Reader;
  meter: Meter;
  allowances: Allowances;
  /** A gift link for this very story, verified and still open. */
  gift?: boolean;
}

/** How many metered stories a month this reader may read. */
export function allowanceOf(reader: Reader, allowances: Allowances): number {
  return reader.kind === 'anonymous' || allowances.registered === 0 ? allowances.anonymous : allowances.registered;
}

/** The most stories any reader's meter may hold. */
export function largestAllowance(allowances: Allowances): number {
  return Math.max(allowances.anonymous, allowances.registered);
}

export function decide({ access, meterKey, reader, meter, allowances, gift = false }: DecisionInput): Decision {
  if (access === 'free' || reader.kind === 'subscriber') return { serve: 'full' };
  // A gift opens its one story in full, and spends nothing of the reader's own allowance.
  if (gift) return { serve: 'full', gift: true };
  const wall = (fallback: WallReason): Decision => ({
    serve: 'teaser',
    reason: reader.kind === 'lapsed' ? 'lapsed' : fallback,
  });
  if (access === 'premium') return wall('premium');

  const limit = allowanceOf(reader, allowances);
  const used: WallReason = reader.kind === 'anonymous' && allowances.registered > 0 ? 'register' : 'limit';
  if (meter.kind === 'untrusted') return wall(used);
  const read = [...meter.read];
  if (read.length > limit) return wall(used);
  if (read.includes(meterKey)) {
    return { serve: 'full', metered: { read, remaining: limit - read.length, counted: false } };
  }
  if (read.length >= limit) return wall(used);
  read.push(meterKey);
  return { serve: 'full', metered: { read, remaining: limit - read.length, counted: true } };
}
