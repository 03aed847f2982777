import type { Context, MiddlewareHandler } from 'hono';
import { settings } from '../../src/paywall/settings.ts';
import type { AppEnv } from '../env.ts';
import { localHour, type Count, type CountMessage } from './events.ts';
import { daySalt, visitorHash } from './visitor.ts';

/**
 * Counting at the edge. Handlers say what they decided with `count`; `counting`, mounted on every
 * request, sends that request's counts to the queue as one message after the response has gone,
 * through `waitUntil`. Nothing here can change, delay or break a response: every failure is
 * caught, logged, and itself counted with the next message that gets through.
 */

/** Counts this isolate could not send, carried by its next message. */
let uncounted = 0;

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

async function send(env: Env, counts: Count[], asker: Asker | undefined, now: Date): Promise<void> {
  const { day, hour } = localHour(now, settings.timeZone);
  const message: CountMessage = { v: 1, day, hour, counts };
  const scopes = scopesOf(counts);
  if (asker && scopes.length) {
    try {
      const salt = await daySalt(env.DB, day, now.getTime());
      if (salt) message.visitor = { hash: await visitorHash(salt, asker.host, asker.address, asker.userAgent), scopes };
    } catch (error) {
      console.error('analytics: the day\'s salt could not be read; this reader is not among the unique readers:', error);
    }
  }
  const carried = uncounted;
  uncounted = 0;
  if (carried) message.uncounted = carried;
  try {
    await env.ANALYTICS.send(message, { contentType: 'json' });
  } catch (error) {
    uncounted += carried + counts.length;
    console.error(`analytics: the queue refused ${counts.length} count(s); ${uncounted} now wait to be reported:`, error);
  }
}

/** Runs `work` after the response, or alongside it where there is no execution context (some tests). */
function afterResponse(c: Context<AppEnv>, work: Promise<void>): void {
  try {
    c.executionCtx.waitUntil(work);
  } catch {
    // No execution context: the work runs anyway, and `send` never rejects.
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
  afterResponse(c, send(c.env, counts, asker, new Date()));
};
