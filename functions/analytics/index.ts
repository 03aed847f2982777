import type { Context, MiddlewareHandler } from 'hono';
import { settings } from '../../src/paywall/settings.ts';
import type { AppEnv } from '../env.ts';
import { localHour, type Count, type CountMessage, type RequestCounts } from './events.ts';
import { daySalt, visitorHash } from './visitor.ts';

/**
 * Counting at the edge. Handlers say what they decided with `count`; `counting`, mounted on every
 * request, puts that request's counts in the isolate's outbox after the response has gone, through
 * `waitUntil`, and sends them unless a request before it is already sending. That request gathers
 * for a moment, then sends whatever waits before it finishes, so under load one message carries
 * the counts of many requests, and a quiet site sends one per request.
 * Each request's counts are in a message sent within a `waitUntil` that is still running, so none
 * is left behind in an isolate that goes away. Nothing here can change, delay or break a response:
 * every failure is caught, logged, and itself counted with the next message that gets through.
 */

/** The most requests one message carries: about 300 bytes each, far below a message's 128 KB. */
const REQUESTS_PER_MESSAGE = 100;

/**
 * How long the request that starts sending gathers the counts of the requests that end after it,
 * when COUNTING_GATHER_MS does not say. Under `wrangler dev` a message per request cost a story
 * about a tenth of its throughput in the queue's broker and as much again in the consumer; a
 * tenth of a second makes one message of up to a hundred requests at a thousand a second, and
 * delays the counts, never a response.
 */
const GATHERING_MS = 100;

function gatheringMs(env: Env): number {
  const value = Number(env.COUNTING_GATHER_MS);
  return env.COUNTING_GATHER_MS !== undefined && env.COUNTING_GATHER_MS !== '' && Number.isFinite(value) && value >= 0 ? Math.min(value, 5_000) : GATHERING_MS;
}

/**
 * How long one request goes on sending for others before it leaves the rest to the next request,
 * well within the 30 seconds `waitUntil` has.
 */
const SENDING_FOR_OTHERS_MS = 5_000;

/** Counts this isolate could not send, carried by its next message. */
let uncounted = 0;

/** Requests counted but not sent yet, per queue, and whether a request is sending them. */
interface Outbox {
  waiting: RequestCounts[];
  sending: boolean;
}

const outboxes = new WeakMap<Queue, Outbox>();

function outboxOf(queue: Queue): Outbox {
  let outbox = outboxes.get(queue);
  if (!outbox) outboxes.set(queue, (outbox = { waiting: [], sending: false }));
  return outbox;
}

/** Records what the edge decided, for the newsroom. It grants nothing and changes nothing. */
export function count(c: Context<AppEnv>, ...counts: Count[]): void {
  c.get('counts')?.push(...counts);
}

/** For unique readers: who is asking, held in memory only until it is hashed with the day's salt. */
interface Asker {
  host: string;
  address: string;
  userAgent: string;
}

/** The scopes a request's reader counts in: the site, the story's section, and the wall if they met it. */
function scopesOf(counts: Count[]): string[] {
  const view = counts.find((candidate) => candidate.event === 'view');
  if (!view || view.reader === 'crawler') return [];
  return ['site', `section:${view.section}`, ...(counts.some((candidate) => candidate.event === 'wall') ? ['wall'] : [])];
}

/** One request's counts, with the reader's hash for the day when it counts among unique readers. */
async function requestCounts(db: D1Database, counts: Count[], asker: Asker, now: Date): Promise<RequestCounts> {
  const { day, hour } = localHour(now, settings.timeZone);
  const request: RequestCounts = { day, hour, counts };
  const scopes = scopesOf(counts);
  if (!scopes.length) return request;
  try {
    const salt = await daySalt(db, day, now.getTime());
    if (salt) request.visitor = { hash: await visitorHash(salt, asker.host, asker.address, asker.userAgent), scopes };
  } catch (error) {
    console.error('analytics: the day\'s salt could not be read; this reader is not among the unique readers:', error);
  }
  return request;
}

async function sendMessage(queue: Queue, requests: RequestCounts[]): Promise<void> {
  const { day, hour } = localHour(new Date(), settings.timeZone);
  const message: CountMessage = { v: 2, day, hour, requests };
  const carried = uncounted;
  uncounted = 0;
  if (carried) message.uncounted = carried;
  try {
    await queue.send(message, { contentType: 'json' });
  } catch (error) {
    const lost = requests.reduce((sum, request) => sum + request.counts.length, 0);
    uncounted += carried + lost;
    console.error(`analytics: the queue refused ${lost} count(s); ${uncounted} now wait to be reported:`, error);
  }
}

/** Gathers, then sends what waits in the outbox and what is added meanwhile, for a while at most. */
async function sendWaiting(queue: Queue, outbox: Outbox, gathering: number): Promise<void> {
  outbox.sending = true;
  const until = Date.now() + SENDING_FOR_OTHERS_MS;
  try {
    if (gathering > 0) await new Promise((resolve) => setTimeout(resolve, gathering));
    while (outbox.waiting.length && Date.now() < until) await sendMessage(queue, outbox.waiting.splice(0, REQUESTS_PER_MESSAGE));
  } finally {
    // Whatever still waits goes with the next request, which finds nobody sending.
    outbox.sending = false;
  }
}

async function report(env: Env, counts: Count[], asker: Asker, now: Date): Promise<void> {
  const request = await requestCounts(env.DB, counts, asker, now);
  const outbox = outboxOf(env.ANALYTICS);
  outbox.waiting.push(request);
  if (!outbox.sending) await sendWaiting(env.ANALYTICS, outbox, gatheringMs(env));
}

/** Runs `work` after the response, or alongside it where there is no execution context (some tests). */
function afterResponse(c: Context<AppEnv>, work: Promise<void>): void {
  try {
    c.executionCtx.waitUntil(work);
  } catch {
    // No execution context: the work runs anyway, and `report` never rejects.
  }
}

/** Gives each request a list to count into, and sends it once the response is decided. */
export const counting: MiddlewareHandler<AppEnv> = async (c, next) => {
  c.set('counts', []);
  await next();
  const counts = c.get('counts');
  if (!counts.length || !c.env.ANALYTICS || c.env.COUNTING === 'off') return;
  const asker = {
    host: new URL(c.req.url).host,
    address: c.req.header('CF-Connecting-IP') ?? '',
    userAgent: c.req.header('User-Agent') ?? '',
  };
  afterResponse(c, report(c.env, counts, asker, new Date()));
};
