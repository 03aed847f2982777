import { Hono, type Context } from 'hono';
import { every } from 'hono/combine';
import { HOOKS, hook, NEWSROOM_PREFIX, PAGES } from '../../src/paywall/contract.ts';
import type { AppEnv } from '../env.ts';
import { loadStoryList } from '../manifest/index.ts';
import { builtPage } from '../pages/built.ts';
import { safePage } from '../pages/index.ts';
import { notFound } from '../pages/not-found.ts';
import { cacheAs, noindex, personal } from '../response/index.ts';
import { session } from '../session/request.ts';
import { toCsv } from './csv.ts';
import { experimentCounts, experimentsCsv, experimentsHtml } from './experiments.ts';
import { experimentsFile } from '../../src/paywall/experiments.ts';
import { dashboardHtml, sorted, sortingOf } from './page.ts';
import { PeriodError, periodOf, type Period } from './period.ts';
import { dailyReaders, liveSubscriptions, monthlyRevenue, storyFigures, totals } from './queries.ts';
import { staffOnly } from './staff.ts';
import {
  funnelTable,
  giftsTable,
  largerAllowanceUsed,
  meterTable,
  moneyTable,
  readersTable,
  rolledUp,
  storiesTable,
  storyRows,
  subscriptionsTable,
  type Table,
} from './tables.ts';

/**
 * The newsroom at /newsroom/: the dashboard and a CSV of each of its tables, for staff only
 * (./staff.ts). Everything here is private, personal and never indexed.
 */

/** Who may pass: the session as every account page reads it, then the staff role. */
export const staffGate = every(session, staffOnly);

export const newsroom = new Hono<AppEnv>();

// Mounted at the site's root beside every other page: '*' would make the whole site private and unindexed.
newsroom.use(`${NEWSROOM_PREFIX}/*`, async (c, next) => {
  cacheAs(c, 'private');
  personal(c);
  noindex(c);
  await next();
});

async function storyTable(c: Context<AppEnv>, period: Period) {
  const [list, figures] = await Promise.all([loadStoryList(c.env.ASSETS, c.req.url), storyFigures(c.env.DB, period)]);
  return storiesTable(storyRows(list, figures));
}

/** A table as CSV: the columns' keys as the header, the raw values below. */
function csvOf<Row>(table: Table<Row>): { name: string; text: string } {
  const text = toCsv(
    table.columns.map((column) => column.key),
    table.rows.map((row) => table.columns.map((column) => column.value(row))),
  );
  return { name: table.name, text };
}

function sortedTable<Row>(table: Table<Row>, c: Context<AppEnv>): Table<Row> {
  return { ...table, rows: sorted(table, sortingOf(new URL(c.req.url).searchParams, table.columns, 'views')) };
}

const liveNow = (c: Context<AppEnv>) => liveSubscriptions(c.env.DB, Math.floor(Date.now() / 1000));

/** Each table a CSV can be asked for, computed for the period. */
const CSVS: Record<string, (c: Context<AppEnv>, period: Period) => Promise<{ name: string; text: string }>> = {
  stories: async (c, period) => csvOf(sortedTable(await storyTable(c, period), c)),
  sections: async (c, period) => csvOf(rolledUp((await storyTable(c, period)).rows, 'section')),
  authors: async (c, period) => csvOf(rolledUp((await storyTable(c, period)).rows, 'author')),
  funnel: async (c, period) => csvOf(funnelTable(...(await bothPeriods(c, period)))),
  meter: async (c, period) => csvOf(meterTable(await totals(c.env.DB, period))),
  subscriptions: async (c) => csvOf(subscriptionsTable(await liveNow(c))),
  money: async (c, period) => csvOf(moneyTable(...(await bothPeriods(c, period)))),
  gifts: async (c, period) => csvOf(giftsTable(...(await bothPeriods(c, period)))),
  readers: async (c, period) => csvOf(readersTable(period, await dailyReaders(c.env.DB, period))),
};

function bothPeriods(c: Context<AppEnv>, period: Period) {
  return Promise.all([totals(c.env.DB, period), totals(c.env.DB, period.previous)]);
}

/** The period the request asks for, or the page that says what to write instead. */
function periodFor(c: Context<AppEnv>): Period | Response {
  try {
    return periodOf(new URL(c.req.url).searchParams, new Date());
  } catch (error) {
    if (error instanceof PeriodError) return safePage(400, 'That period cannot be shown', { detail: `${error.message} <a href="${PAGES.newsroom}">The last 28 days</a>.` });
    throw error;
  }
}

newsroom.get(PAGES.newsroom, async (c) => {
  const period = periodFor(c);
  if (period instanceof Response) return period;
  const search = new URL(c.req.url).searchParams;
  const [stories, [current, before], live, readers] = await Promise.all([storyTable(c, period), bothPeriods(c, period), liveNow(c), dailyReaders(c.env.DB, period)]);
  const html = dashboardHtml({
    period,
    funnel: funnelTable(current, before),
    stories,
    storySorting: sortingOf(search, stories.columns, 'views'),
    sections: rolledUp(stories.rows, 'section'),
    authors: rolledUp(stories.rows, 'author'),
    meter: meterTable(current),
    largerAllowance: largerAllowanceUsed(current),
    subscriptions: subscriptionsTable(live),
    monthlyRevenue: monthlyRevenue(live),
    money: moneyTable(current, before),
    gifts: giftsTable(current, before),
    readers: readersTable(period, readers),
  });
  const rewriter = new HTMLRewriter().on(hook(HOOKS.newsroom, 'dashboard'), { element: (element) => void element.setInnerContent(html, { html: true }) });
  return builtPage(c, PAGES.newsroom, 200, rewriter);
});

newsroom.get(PAGES.newsroomExperiments, async (c) => {
  const html = experimentsHtml(experimentsFile.experiments, await experimentCounts(c.env.DB), new Date());
  const rewriter = new HTMLRewriter().on(hook(HOOKS.newsroom, 'experiments'), { element: (element) => void element.setInnerContent(html, { html: true }) });
  return builtPage(c, PAGES.newsroomExperiments, 200, rewriter);
});

// Every experiment from its start: not a period's figures.
newsroom.get(`${NEWSROOM_PREFIX}/experiments.csv`, async (c) => {
  const text = experimentsCsv(experimentsFile.experiments, await experimentCounts(c.env.DB));
  return new Response(text, { headers: { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': 'attachment; filename="experiments.csv"' } });
});

newsroom.get(`${NEWSROOM_PREFIX}/:file{[a-z]+\\.csv}`, async (c) => {
  const make = CSVS[c.req.param('file').slice(0, -'.csv'.length)];
  if (!make) return notFound(c);
  const period = periodFor(c);
  if (period instanceof Response) return period;
  const { name, text } = await make(c, period);
  return new Response(text, {
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="${name}-${period.from}-to-${period.to}.csv"`,
    },
  });
});

newsroom.get(NEWSROOM_PREFIX, (c) => c.redirect(PAGES.newsroom, 301));
newsroom.all(`${NEWSROOM_PREFIX}/*`, notFound);
