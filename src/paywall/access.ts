/**
 * Who may read what. Pure functions, shared by the edge (which enforces them) and the build
 * (which labels stories). Nothing here may look at request headers: access depends only on the
 * verified session, the verified meter and the story's access level.
 */

export const ACCESS_LEVELS = ['free', 'metered', 'premium'] as const;
export type Access = (typeof ACCESS_LEVELS)[number];

/** What the verified session cookie says about the reader. */
export type Reader =
  | { kind: 'anonymous' }
  | { kind: 'subscriber'; plan: string; until: number }
  | { kind: 'lapsed'; plan: string; endedAt: number };

/**
 * The reader's allowance this month. `untrusted` means a meter cookie was present but could
 * not be verified: it is treated as used up, so a forged meter never buys a story.
 */
export type Meter = { kind: 'counted'; read: readonly string[] } | { kind: 'untrusted' };

export type WallReason = 'limit' | 'premium' | 'lapsed';

export type Decision =
  | { serve: 'full'; metered?: { read: string[]; remaining: number; counted: boolean } }
  | { serve: 'teaser'; reason: WallReason };

export interface DecisionInput {
  access: Access;
  /** The story's key in the meter. */
  meterKey: string;
  reader: Reader;
  meter: Meter;
  limit: number;
}

export function decide({ access, meterKey, reader, meter, limit }: DecisionInput): Decision {
  if (access === 'free' || reader.kind === 'subscriber') return { serve: 'full' };
  const wall = (fallback: WallReason): Decision => ({
    serve: 'teaser',
    reason: reader.kind === 'lapsed' ? 'lapsed' : fallback,
  });
  if (access === 'premium') return wall('premium');

  if (meter.kind === 'untrusted') return wall('limit');
  const read = [...meter.read];
  if (read.length > limit) return wall('limit');
  if (read.includes(meterKey)) {
    return { serve: 'full', metered: { read, remaining: limit - read.length, counted: false } };
  }
  if (read.length >= limit) return wall('limit');
  read.push(meterKey);
  return { serve: 'full', metered: { read, remaining: limit - read.length, counted: true } };
}
