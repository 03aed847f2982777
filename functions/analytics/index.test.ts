import { createExecutionContext, createMessageBatch, getQueueResult, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import { allowanceOf } from '../../src/paywall/access.ts';
import { allowancesOf, settings } from '../../src/paywall/settings.ts';
import { storyWith, usedUpMeter } from '../../test/edge/publication.ts';
import { COOKIES, LOCKED_PART_CLASS } from '../../src/paywall/contract.ts';
import { ORIGIN } from '../../test/edge/client.ts';
import { queue } from '../../test/edge/analytics.ts';
import worker, { app } from '../index.ts';
import { applyCounts, consumeCounts, countMessageOf } from './consumer.ts';
import { localHour, rowOf, UNCOUNTED, type Count, type CountMessage } from './events.ts';
import { estimate, hllPoint, REGISTERS } from './hll.ts';
import { keepAnalytics, oldestMonthKept } from './retention.ts';

// Counting at the edge: what a story request sends, that a failing queue changes nothing for the
// reader, that the consumer counts each message once however often it comes, the site's local
// days, and how long the counts are kept. Stories come from the build, settings from content/.

async function get(path: string, bindings: Env, headers: Record<string, string> = {}): Promise<Response> {
  const context = createExecutionContext();
  const response = await app.request(`${ORIGIN}${path}`, { headers }, bindings, context);
  await response.clone().arrayBuffer();
  await waitOnExecutionContext(context);
  return response;
}

const countsIn = (db: D1Database, event: string, story: string) =>
  db.prepare('SELECT detail, SUM(count) AS n FROM analytics_counts WHERE event = ? AND story = ? GROUP BY detail ORDER BY detail').bind(event, story).all<{ detail: string; n: number }>();

describe('a story request', () => {
  it('sends nothing when the publisher turned counting off', async () => {
    const { sent, binding } = queue();
    await get((await storyWith('free')).path, { ...env, ANALYTICS: binding, COUNTING: 'off' });
    expect(sent).toEqual([]);
  });

  it('sends one message: the view, the meter position of a metered read, and the day\'s reader hash', async () => {
    const story = await storyWith('metered');
    const { sent, binding } = queue();
    await env.DB.batch([env.DB.prepare("INSERT INTO analytics_salts (day, salt) VALUES (?, 'test-salt') ON CONFLICT DO NOTHING").bind(localHour(new Date(), settings.timeZone).day)]);
    const response = await get(story.path, { ...env, ANALYTICS: binding }, { 'CF-Connecting-IP': '203.0.113.7', 'User-Agent': 'Test Browser' });
    expect(await response.text()).toContain(`class="${LOCKED_PART_CLASS}"`);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.requests).toHaveLength(1);
    const [message] = sent[0]!.requests;
    const allowance = allowanceOf({ kind: 'anonymous' }, allowancesOf());
    expect(message!.counts).toEqual<Count[]>([
      { event: 'view', story: story.path, section: story.section, access: 'metered', reader: 'anonymous', served: 'full' },
      { event: 'meter', story: story.path, position: 1, of: allowance },
    ]);
    expect(message!.visitor?.scopes).toEqual(['site', `section:${story.section}`]);
    expect(message!.visitor?.hash).toMatch(/^[0-9a-f]{16}$/);
    // Nothing that names the reader travels: not the address, not the browser, not a cookie.
    expect(JSON.stringify(sent[0])).not.toMatch(/203\.0\.113\.7|Test Browser|paywall_/);
  });

  it('counts the wall and its reason for a reader, and files a named crawler apart, granting it nothing', async () => {
    const story = await storyWith('metered');
    const { sent, binding } = queue();
    const meter = await usedUpMeter();
    const browser = { Cookie: `${COOKIES.meter}=${meter}`, 'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64)' };
    const crawler = { ...browser, 'User-Agent': 'Mozilla/5.0 (compatible; Googlebot/2.1)' };
    const read = await get(story.path, { ...env, ANALYTICS: binding }, browser);
    const crawled = await get(story.path, { ...env, ANALYTICS: binding }, crawler);
    expect(await crawled.text()).toBe(await read.text());
    expect(sent[0]!.requests[0]!.counts).toMatchObject([{ event: 'view', reader: 'anonymous', served: 'teaser' }, { event: 'wall', story: story.path }]);
    // The crawler's view is filed apart; it met no wall a reader's stop rate should count.
    expect(sent[1]!.requests[0]!.counts).toMatchObject([{ event: 'view', reader: 'crawler', served: 'teaser' }]);
    expect(sent[1]!.requests[0]!.counts).toHaveLength(1);
    expect(sent[1]!.requests[0]!.visitor, 'crawlers are not readers').toBeUndefined();
  });

  it('is served the same, in full, when the queue fails, and the lost counts are reported with the next message', async () => {
    const story = await storyWith('premium');
    const free = await storyWith('free');
    const failing = queue(true);
    const working = queue();
    const down = await get(free.path, { ...env, ANALYTICS: failing.binding });
    const up = await get(free.path, { ...env, ANALYTICS: working.binding });
    expect(down.status).toBe(up.status);
    expect(await down.text()).toBe(await up.text());
    expect(working.sent.at(-1)!.uncounted, 'the view the failing queue lost').toBe(1);
    const teaser = await get(story.path, { ...env, ANALYTICS: failing.binding });
    expect(teaser.status).toBe(200);
    expect(failing.sent).toHaveLength(0);

    await get(free.path, { ...env, ANALYTICS: working.binding });
    expect(working.sent.at(-1)!.uncounted, 'the teaser\'s view and wall').toBe(2);
  });

  it('gathers the counts of requests that end together into one message, for as long as the publisher set', async () => {
    const free = await storyWith('free');
    const { sent, binding } = queue();
    const bindings = { ...env, ANALYTICS: binding, COUNTING_GATHER_MS: '50' };
    await Promise.all([get(free.path, bindings), get(free.path, bindings), get(free.path, bindings)]);
    expect(sent.map((message) => message.requests.length)).toEqual([3]);
  });

  it('sends the counts of requests decided while a message is on its way together, in the next message', async () => {
    const free = await storyWith('free');
    const sent: CountMessage[] = [];
    let arrive!: () => void;
    const arrived = new Promise<void>((resolve) => (arrive = resolve));
    const binding = {
      send: async (body: CountMessage) => {
        sent.push(body);
        if (sent.length === 1) await arrived;
      },
    } as unknown as Queue;
    const first = get(free.path, { ...env, ANALYTICS: binding });
    await vi.waitFor(() => expect(sent).toHaveLength(1));
    // These two end while the first message is on its way: nothing of theirs is sent yet.
    await Promise.all([get(free.path, { ...env, ANALYTICS: binding }), get(free.path, { ...env, ANALYTICS: binding })]);
    expect(sent).toHaveLength(1);
    arrive();
    await first;
    expect(sent.map((message) => message.requests.length)).toEqual([1, 2]);
    expect(sent.flatMap((message) => message.requests.flatMap((request) => request.counts))).toHaveLength(3);
  });
});

function message(id: string, body: CountMessage) {
  return { id, timestamp: Date.now(), attempts: 1, body };
}

describe('the consumer', () => {
  const story = '/stories/consumer-test/';
  const hour = '2026-01-15T10';
  const view: Count = { event: 'view', story, section: 'news', access: 'metered', reader: 'anonymous', served: 'full' };
  const one = (counts: Count[]): CountMessage => ({ v: 2, hour, day: '2026-01-15', requests: [{ hour, day: '2026-01-15', counts }] });

  it('counts a batch delivered twice only once', async () => {
    const batch = () =>
      createMessageBatch('presswall-counts', [
        message('m-1', one([view])),
        message('m-2', one([view, { event: 'wall', story, reason: 'limit' }])),
      ]);
    for (let delivery = 0; delivery < 2; delivery++) {
      const context = createExecutionContext();
      const first = batch();
      await (worker as ExportedHandler<Env>).queue!(first, env, context);
      expect((await getQueueResult(first, context)).explicitAcks.sort()).toEqual(['m-1', 'm-2']);
    }
    expect((await countsIn(env.DB, 'view', story)).results).toEqual([{ detail: rowOf(view)[2], n: 2 }]);
    expect((await countsIn(env.DB, 'wall', story)).results).toEqual([{ detail: 'limit', n: 1 }]);
  });

  it('writes nothing, and asks for the batch again, when another batch counted one of its messages meanwhile', async () => {
    const other = '/stories/consumer-race/';
    const body = one([{ ...view, story: other }]);
    // As if another consumer had counted r-1 between this batch's read and its write.
    const racing = {
      prepare: (sql: string) => env.DB.prepare(sql),
      batch: async (statements: D1PreparedStatement[]) => {
        await env.DB.prepare("INSERT INTO analytics_messages (day, id) VALUES ('2026-01-15', 'r-1')").run();
        return env.DB.batch(statements);
      },
    } as unknown as D1Database;
    await expect(applyCounts(racing, [{ id: 'r-1', body }, { id: 'r-2', body }], new Date())).rejects.toThrow('Another batch counted');
    expect((await countsIn(env.DB, 'view', other)).results).toEqual([]);
    // Delivered again, it counts the message not counted yet.
    await applyCounts(env.DB, [{ id: 'r-1', body }, { id: 'r-2', body }], new Date());
    expect((await countsIn(env.DB, 'view', other)).results).toEqual([{ detail: rowOf(view)[2], n: 1 }]);
  });

  it('retries the batch when D1 fails, and drops what is not a count message', async () => {
    const failing = { ...env, DB: { prepare: () => ({ bind: () => ({ all: () => Promise.reject(new Error('D1_ERROR: unavailable')) }) }) } as unknown as D1Database };
    const batch = createMessageBatch('presswall-counts', [message('f-1', one([view])), message('junk', { nonsense: true } as never)]);
    const context = createExecutionContext();
    await consumeCounts(batch, failing);
    const result = await getQueueResult(batch, context);
    expect(result.retryBatch.retry).toBe(true);
    expect(result.explicitAcks).toEqual(['junk']);
  });

  it('still reads a message of the first version, which carried one request', async () => {
    const older = '/stories/consumer-first-version/';
    const body = countMessageOf({ v: 1, hour, day: '2026-01-15', counts: [{ ...view, story: older }] });
    expect(body?.requests).toHaveLength(1);
    await applyCounts(env.DB, [{ id: 'v1-1', body: body! }], new Date());
    expect((await countsIn(env.DB, 'view', older)).results).toEqual([{ detail: rowOf(view)[2], n: 1 }]);
  });

  it('adds the counts a failing queue lost, as uncounted', async () => {
    await applyCounts(env.DB, [{ id: 'u-1', body: { v: 2, hour: '2026-01-16T08', day: '2026-01-16', requests: [], uncounted: 4 } }], new Date());
    const row = await env.DB.prepare("SELECT count FROM analytics_counts WHERE event = ? AND hour = '2026-01-16T08'").bind(UNCOUNTED).first('count');
    expect(row).toBe(4);
  });
});

describe('unique readers', () => {
  it('are estimated within the stated error, and exactly for a few', async () => {
    const hashes = async (n: number, seed: string) =>
      Promise.all(
        Array.from({ length: n }, async (_, index) => {
          const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`${seed}-${index}`)));
          return [...digest.slice(0, 8)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
        }),
      );
    const registersOf = (list: string[]) => {
      const registers = new Map<number, number>();
      for (const hash of list) {
        const { register, rank } = hllPoint(hash);
        registers.set(register, Math.max(registers.get(register) ?? 0, rank));
      }
      return [...registers.values()];
    };
    const few = await hashes(25, 'few');
    expect(estimate(registersOf([...few, ...few]))).toBe(25);
    const many = 20_000;
    const estimated = estimate(registersOf(await hashes(many, 'many')));
    expect(Math.abs(estimated - many) / many).toBeLessThan((3 * 1.04) / Math.sqrt(REGISTERS));
  });
});

describe('the site\'s local day', () => {
  /** The last minute of a local day and the first of the next, found by stepping through real time. */
  function aroundMidnight(): [Date, Date] {
    let probe = new Date(Date.UTC(2026, 2, 10, 0, 0));
    const start = localHour(probe, settings.timeZone).day;
    while (localHour(probe, settings.timeZone).day === start) probe = new Date(probe.getTime() + 60_000);
    return [new Date(probe.getTime() - 60_000), probe];
  }

  it('changes at midnight in the site\'s time zone, whatever the offset, and so does the hour a count is kept in', () => {
    const [before, after] = aroundMidnight();
    const late = localHour(before, settings.timeZone);
    const early = localHour(after, settings.timeZone);
    expect(late.day).not.toBe(early.day);
    expect(late.hour).toBe(`${late.day}T23`);
    expect(early.hour).toBe(`${early.day}T00`);
    const parts = new Intl.DateTimeFormat('en-CA', { timeZone: settings.timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(after);
    expect(parts).toBe('00:00');
  });
});

describe('upkeep', () => {
  it('keeps 25 months of counts, turns past days\' registers into a number, and deletes past salts', async () => {
    const now = new Date();
    const { day: today } = localHour(now, settings.timeZone);
    const oldest = oldestMonthKept(now, settings.timeZone);
    const long = localHour(new Date(now.getTime() - 10 * 86_400_000), settings.timeZone).day;
    const [year, month] = oldest.split('-').map(Number) as [number, number];
    const tooOld = `${month === 1 ? year - 1 : year}-${String(month === 1 ? 12 : month - 1).padStart(2, '0')}-28T12`;
    await env.DB.batch([
      env.DB.prepare("INSERT INTO analytics_counts (hour, event, story, detail, count) VALUES (?, 'view', '/stories/kept/', '', 1)").bind(`${oldest}-01T00`),
      env.DB.prepare("INSERT INTO analytics_counts (hour, event, story, detail, count) VALUES (?, 'view', '/stories/gone/', '', 1)").bind(tooOld),
      env.DB.prepare("INSERT INTO analytics_uniques (day, scope, register, rank) VALUES (?, 'site', 1, 1), (?, 'site', 2, 1), (?, 'site', 3, 2)").bind(long, long, long),
      env.DB.prepare("INSERT INTO analytics_uniques (day, scope, register, rank) VALUES (?, 'site', 1, 1)").bind(today),
      env.DB.prepare("INSERT INTO analytics_salts (day, salt) VALUES (?, 'old') ON CONFLICT DO NOTHING").bind(long),
      env.DB.prepare("INSERT INTO analytics_messages (day, id) VALUES ('2020-01-01', 'ancient')"),
    ]);
    await keepAnalytics(env.DB, now);

    const stories = await env.DB.prepare("SELECT story FROM analytics_counts WHERE event = 'view' AND story IN ('/stories/kept/', '/stories/gone/')").all<{ story: string }>();
    expect(stories.results.map((row) => row.story)).toEqual(['/stories/kept/']);
    expect(await env.DB.prepare("SELECT count FROM analytics_counts WHERE event = 'uniques' AND hour = ? AND detail = 'site'").bind(`${long}T00`).first('count')).toBe(3);
    expect(await env.DB.prepare('SELECT COUNT(*) AS n FROM analytics_uniques WHERE day = ?').bind(long).first('n')).toBe(0);
    expect(await env.DB.prepare('SELECT COUNT(*) AS n FROM analytics_uniques WHERE day = ?').bind(today).first('n')).toBe(1);
    expect(await env.DB.prepare('SELECT COUNT(*) AS n FROM analytics_salts WHERE day < ?').bind(today).first('n')).toBe(0);
    expect(await env.DB.prepare('SELECT COUNT(*) AS n FROM analytics_salts WHERE day = ?').bind(today).first('n')).toBe(1);
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM analytics_messages WHERE id = 'ancient'").first('n')).toBe(0);
  });
});
