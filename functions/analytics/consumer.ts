import { settings } from '../../src/paywall/settings.ts';
import { isCount, localHour, rowOf, UNCOUNTED, type CountMessage, type RequestCounts } from './events.ts';
import { hllPoint } from './hll.ts';
import { makeSalts } from './visitor.ts';

/**
 * The queue's consumer: folds a batch of counted requests into the hourly rollups in D1.
 * Delivery is at least once, so counting is made exactly once by the message ids: the messages
 * already counted are left out, and the rest are written, with their ids, in one D1 batch that
 * applies only if none of them was counted meanwhile. If one was (the same message in two
 * batches at once), nothing is written and the batch is delivered again, to be counted without it.
 */

/** Thrown when another batch counted some of these messages while this one was being written. */
export class CountedMeanwhileError extends Error {
  override name = 'CountedMeanwhileError';
}

/** One request's counts if well formed: only the counts this version knows, and a reader hash only if it is one. */
function requestCountsOf(value: unknown): RequestCounts | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const request = value as Partial<RequestCounts>;
  if (typeof request.hour !== 'string' || typeof request.day !== 'string' || !Array.isArray(request.counts)) return undefined;
  const visitor = request.visitor;
  const validVisitor = typeof visitor?.hash === 'string' && /^[0-9a-f]{16}$/.test(visitor.hash) && Array.isArray(visitor.scopes) && visitor.scopes.every((scope) => typeof scope === 'string');
  return { hour: request.hour, day: request.day, counts: request.counts.filter(isCount), ...(validVisitor ? { visitor: visitor! } : {}) };
}

/**
 * A message's body if it is one of ours, with its well-formed requests; anything else is dropped
 * with a log line. Version 1 carried one request; such messages may wait in the queue across a
 * deploy, so they are still read.
 */
export function countMessageOf(body: unknown): CountMessage | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const message = body as Omit<Partial<CountMessage>, 'v'> & { v?: unknown };
  if (typeof message.hour !== 'string' || typeof message.day !== 'string') return undefined;
  let requests: RequestCounts[];
  if (message.v === 2 && Array.isArray(message.requests)) requests = message.requests.map(requestCountsOf).filter((request) => request !== undefined);
  else if (message.v === 1) {
    const one = requestCountsOf(message);
    if (!one) return undefined;
    requests = [one];
  } else return undefined;
  return {
    v: 2,
    hour: message.hour,
    day: message.day,
    requests,
    ...(typeof message.uncounted === 'number' && Number.isInteger(message.uncounted) && message.uncounted > 0 ? { uncounted: message.uncounted } : {}),
  };
}

interface Received {
  id: string;
  body: CountMessage;
}

/** Writes the messages not counted yet. Throws when D1 fails or another batch got there first. */
export async function applyCounts(db: D1Database, received: Received[], now: Date): Promise<number> {
  const keys = [...new Map(received.map((message) => [message.id, [message.body.day, message.id]])).values()];
  const seen = await db
    .prepare('SELECT id FROM analytics_messages WHERE (day, id) IN (SELECT value ->> 0, value ->> 1 FROM json_each(?))')
    .bind(JSON.stringify(keys))
    .all<{ id: string }>();
  const counted = new Set(seen.results.map((row) => row.id));
  const fresh = new Map(received.filter((message) => !counted.has(message.id)).map((message) => [message.id, message.body]));
  if (!fresh.size) return 0;

  const rows = new Map<string, [string, string, string, string, number]>();
  const add = (hour: string, [event, story, detail, amount]: [string, string, string, number]) => {
    const key = JSON.stringify([hour, event, story, detail]);
    const row = rows.get(key);
    if (row) row[4] += amount;
    else rows.set(key, [hour, event, story, detail, amount]);
  };
  const registers = new Map<string, [string, string, number, number]>();
  for (const message of fresh.values()) {
    if (message.uncounted) add(message.hour, [UNCOUNTED, '', '', message.uncounted]);
    for (const request of message.requests) {
      for (const count of request.counts) add(request.hour, rowOf(count));
      if (!request.visitor) continue;
      const { register, rank } = hllPoint(request.visitor.hash);
      for (const scope of request.visitor.scopes) {
        const key = `${request.day} ${scope} ${register}`;
        const existing = registers.get(key);
        if (!existing || existing[3] < rank) registers.set(key, [request.day, scope, register, rank]);
      }
    }
  }

  const freshKeys = JSON.stringify([...fresh].map(([id, body]) => [body.day, id]));
  const noneCounted = 'NOT EXISTS (SELECT 1 FROM analytics_messages WHERE (day, id) IN (SELECT value ->> 0, value ->> 1 FROM json_each(?1)))';
  const { day } = localHour(now, settings.timeZone);
  const tomorrow = localHour(new Date(now.getTime() + 86_400_000), settings.timeZone).day;
  const results = await db.batch([
    db
      .prepare(
        `INSERT INTO analytics_counts (hour, event, story, detail, count)
         SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4 FROM json_each(?2) WHERE ${noneCounted}
         ON CONFLICT (hour, event, story, detail) DO UPDATE SET count = count + excluded.count`,
      )
      .bind(freshKeys, JSON.stringify([...rows.values()])),
    // A register is written only when it grows: once a day's registers fill, most readers write nothing.
    db
      .prepare(
        `INSERT INTO analytics_uniques (day, scope, register, rank)
         SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3 FROM json_each(?2) WHERE ${noneCounted}
         ON CONFLICT (day, scope, register) DO UPDATE SET rank = excluded.rank WHERE excluded.rank > analytics_uniques.rank`,
      )
      .bind(freshKeys, JSON.stringify([...registers.values()])),
    db.prepare(`INSERT INTO analytics_messages (day, id) SELECT value ->> 0, value ->> 1 FROM json_each(?1) WHERE ${noneCounted}`).bind(freshKeys),
    // The salts readers are hashed with, made ahead of their day.
    ...makeSalts(db, [day, tomorrow]),
  ]);
  if (results[2]!.meta.changes !== fresh.size) throw new CountedMeanwhileError(`Another batch counted some of these ${fresh.size} messages first; counting them again without those`);
  return fresh.size;
}

/** The Worker's `queue` handler for the counts queue. */
export async function consumeCounts(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const received: Received[] = [];
  for (const message of batch.messages) {
    const body = countMessageOf(message.body);
    if (body) received.push({ id: message.id, body });
    else {
      console.error(`analytics: message ${message.id} is not a count message; dropped`);
      message.ack();
    }
  }
  try {
    await applyCounts(env.DB, received, new Date());
    const written = new Set(received.map((message) => message.id));
    for (const message of batch.messages) if (written.has(message.id)) message.ack();
  } catch (error) {
    console.error(`analytics: ${received.length} message(s) not counted yet; the queue delivers them again:`, error);
    batch.retryAll();
  }
}
