import { WALL_REASONS, type WallReason } from '../../src/paywall/access.ts';
import type { StoryList } from '../../src/paywall/manifest.ts';
import { findPlan, formatMinor } from '../../src/paywall/plans.ts';
import { settings } from '../../src/paywall/settings.ts';
import sectionsFile from '../../content/sections.json' with { type: 'json' };
import type { Cell } from './csv.ts';
import { addDays } from './period.ts';
import { NO_FIGURES, type LiveSubscriptions, type StoryFigures, type Totals } from './queries.ts';

/**
 * The newsroom's tables, each defined once: the page shows it and its CSV writes it from the same
 * rows and columns, so the two can never disagree.
 */

export interface Column<Row> {
  /** The CSV header, and the sort key in the page's links. */
  key: string;
  label: string;
  value: (row: Row) => Cell;
  /** How the page writes the value; the CSV keeps it raw. */
  shown?: (row: Row) => string;
  /** In the CSV only: the page has no room for it. */
  csvOnly?: true;
}

export interface Table<Row> {
  /** The CSV's file name, without `.csv`. */
  name: string;
  caption: string;
  columns: Column<Row>[];
  rows: Row[];
}

const number = (value: number) => new Intl.NumberFormat(settings.locale).format(value);

/** What the page shows for a rate with nothing to divide by: words, which screen readers read and axe can check. */
const NOTHING_TO_DIVIDE = 'n/a';

/** A share as a fraction with four decimals, or '' when there is nothing to divide by. */
export function share(part: number, whole: number): Cell {
  return whole > 0 ? Math.round((part / whole) * 10_000) / 10_000 : '';
}

export function percent(value: Cell): string {
  return typeof value === 'number' ? new Intl.NumberFormat(settings.locale, { style: 'percent', maximumFractionDigits: 1 }).format(value) : NOTHING_TO_DIVIDE;
}

function count<Row>(key: string, label: string, of: (row: Row) => number): Column<Row> {
  return { key, label, value: of, shown: (row) => number(of(row)) };
}

/** A row of the stories, sections or authors table. */
export interface FiguresRow extends StoryFigures {
  name: string;
}

export interface StoryRow extends FiguresRow {
  path: string;
  section: string;
  author: string;
}

const stopRate = (row: StoryFigures) => share(row.wallViews, row.views);
const perThousandWallViews = (row: StoryFigures): Cell => (row.wallViews > 0 ? Math.round((row.subscriptions * 10_000) / row.wallViews) / 10 : '');

function figureColumns<Row extends StoryFigures>(): Column<Row>[] {
  return [
    count('views', 'Views', (row) => row.views),
    count('full_reads', 'Full reads', (row) => row.fullReads),
    count('wall_views', 'Wall views', (row) => row.wallViews),
    { key: 'stop_rate', label: 'Stop rate', value: stopRate, shown: (row) => percent(stopRate(row)) },
    count('registrations', 'Registrations', (row) => row.registrations),
    count('checkouts', 'Checkouts', (row) => row.checkouts),
    count('subscriptions', 'Subscriptions', (row) => row.subscriptions),
    { key: 'subscriptions_per_1000_wall_views', label: 'Subscriptions per 1,000 walls', value: perThousandWallViews, shown: (row) => String(perThousandWallViews(row) === '' ? NOTHING_TO_DIVIDE : perThousandWallViews(row)) },
  ];
}

/**
 * One row per story: every story of the build, and any path counted in the period that the build
 * no longer has (a story taken down), named by its path.
 */
export function storyRows(list: StoryList, figures: Map<string, StoryFigures>): StoryRow[] {
  const known = new Set(list.stories.map(([path]) => path));
  const rows: StoryRow[] = list.stories.map(([path, title, section, author]) => ({
    path,
    name: title,
    section: list.sections[section] ?? section,
    author: list.authors[author] ?? author,
    ...(figures.get(path) ?? NO_FIGURES),
  }));
  for (const [path, counted] of figures) if (!known.has(path)) rows.push({ path, name: path, section: '', author: '', ...counted });
  return rows;
}

export function storiesTable(rows: StoryRow[]): Table<StoryRow> {
  return {
    name: 'stories',
    caption: 'Stories',
    columns: [
      { key: 'path', label: 'Path', value: (row) => row.path, csvOnly: true },
      { key: 'title', label: 'Story', value: (row) => row.name },
      { key: 'section', label: 'Section', value: (row) => row.section },
      { key: 'author', label: 'Author', value: (row) => row.author },
      ...figureColumns<StoryRow>(),
    ],
    rows,
  };
}

/** The stories' figures summed by section or by author: sums of the same rows, so they add up. */
export function rolledUp(rows: StoryRow[], by: 'section' | 'author'): Table<FiguresRow> {
  const groups = new Map<string, FiguresRow>();
  for (const row of rows) {
    const name = row[by] || '(not in this build)';
    const group = groups.get(name) ?? { name, ...NO_FIGURES };
    for (const key of Object.keys(NO_FIGURES) as (keyof StoryFigures)[]) group[key] += row[key];
    groups.set(name, group);
  }
  const label = by === 'section' ? 'Section' : 'Author';
  return {
    name: by === 'section' ? 'sections' : 'authors',
    caption: by === 'section' ? 'Sections' : 'Authors',
    columns: [{ key: by, label, value: (row) => row.name }, ...figureColumns<FiguresRow>()],
    rows: [...groups.values()].sort((a, b) => b.views - a.views || a.name.localeCompare(b.name)),
  };
}

const WALL_NAMES: Record<WallReason, string> = {
  register: 'the registration offer',
  limit: 'the allowance used up',
  premium: 'a premium story',
  lapsed: 'a lapsed subscription',
};

export interface FunnelRow {
  step: string;
  count: number;
  rate: Cell;
  previous: number;
  previousRate: Cell;
  /** Whether the step is a part of the one above (a wall by reason), not the next step. */
  part?: boolean;
}

/**
 * Views → walls (and by reason) → registration offers → registrations → checkouts → subscriptions.
 * Each step's rate is against the step before it (a wall reason's against all walls).
 */
export function funnelTable(now: Totals, before: Totals): Table<FunnelRow> {
  const walls = (totals: Totals) => WALL_REASONS.reduce((sum, reason) => sum + totals.walls[reason], 0);
  const steps: { step: string; of: (totals: Totals) => number; part?: true }[] = [
    { step: 'Views', of: (totals) => totals.views },
    { step: 'Wall shown', of: walls },
    ...WALL_REASONS.map((reason) => ({ step: `Wall shown for ${WALL_NAMES[reason]}`, of: (totals: Totals) => totals.walls[reason], part: true as const })),
    { step: 'Registration offer shown', of: (totals) => totals.walls.register },
    { step: 'Registrations', of: (totals) => totals.registrations },
    { step: 'Checkouts started', of: (totals) => totals.checkoutsStarted },
    { step: 'Subscriptions', of: (totals) => totals.subscriptions.started },
  ];
  const rows: FunnelRow[] = [];
  let above: (typeof steps)[number] | undefined;
  for (const step of steps) {
    const base = step.part ? steps[1]! : above;
    rows.push({
      step: step.step,
      count: step.of(now),
      rate: base ? share(step.of(now), base.of(now)) : '',
      previous: step.of(before),
      previousRate: base ? share(step.of(before), base.of(before)) : '',
      ...(step.part ? { part: true } : {}),
    });
    if (!step.part) above = step;
  }
  return {
    name: 'funnel',
    caption: 'Funnel',
    columns: [
      { key: 'step', label: 'Step', value: (row) => row.step },
      count('count', 'This period', (row) => row.count),
      { key: 'rate', label: 'Rate', value: (row) => row.rate, shown: (row) => percent(row.rate) },
      count('previous', 'Previous period', (row) => row.previous),
      { key: 'previous_rate', label: 'Rate before', value: (row) => row.previousRate, shown: (row) => percent(row.previousRate) },
    ],
    rows,
  };
}

export interface MeterRow {
  allowance: number;
  position: string;
  reads: number;
}

/**
 * Where readers stop: how many reads were counted at each place of each monthly allowance (a
 * reader reaches each place at most once a month), then the walls that end it. The anonymous and
 * the registered allowance of content/site.json always show, with any other the period counted.
 */
export function meterTable(totals: Totals): Table<MeterRow> {
  const allowances = new Set([settings.freeStoriesPerMonth, settings.registeredStoriesPerMonth, ...totals.meter.keys()].filter((n) => n > 0));
  const rows: MeterRow[] = [];
  for (const of of [...allowances].sort((a, b) => a - b)) {
    const positions = totals.meter.get(of);
    for (let position = 1; position <= of; position++) rows.push({ allowance: of, position: `${position} of ${of}`, reads: positions?.get(position) ?? 0 });
    const wall = of === settings.freeStoriesPerMonth && settings.registeredStoriesPerMonth > 0 ? 'register' : 'limit';
    if (of === settings.freeStoriesPerMonth || of === settings.registeredStoriesPerMonth) rows.push({ allowance: of, position: `Then the wall (${WALL_NAMES[wall]})`, reads: totals.walls[wall] });
  }
  return {
    name: 'meter',
    caption: 'Meter',
    columns: [
      count('allowance', 'Allowance', (row) => row.allowance),
      { key: 'position', label: 'Story', value: (row) => row.position },
      count('reads', 'Reads', (row) => row.reads),
    ],
    rows,
  };
}

/** Registered readers who read past the anonymous allowance: the reads counted at its next place on the registered one. */
export function largerAllowanceUsed(totals: Totals): number {
  if (settings.registeredStoriesPerMonth === 0) return 0;
  return totals.meter.get(settings.registeredStoriesPerMonth)?.get(settings.freeStoriesPerMonth + 1) ?? 0;
}

const STATE_NAMES: Record<LiveSubscriptions['state'], string> = { active: 'Active', cancelling: 'Set to end', past_due: 'Payment failed, in grace' };

export function subscriptionsTable(live: LiveSubscriptions[]): Table<LiveSubscriptions> {
  return {
    name: 'subscriptions',
    caption: 'Subscriptions that give access now',
    columns: [
      { key: 'plan', label: 'Plan', value: (row) => row.plan, shown: (row) => findPlan(row.plan)?.name ?? row.plan },
      { key: 'state', label: 'State', value: (row) => row.state, shown: (row) => STATE_NAMES[row.state] },
      { key: 'billed', label: 'Billed', value: (row) => (row.billed ? 'yes' : 'no'), shown: (row) => (row.billed ? 'Yes' : 'No, set up by hand') },
      count('count', 'Subscriptions', (row) => row.count),
    ],
    rows: live,
  };
}

export interface MetricRow {
  metric: string;
  value: number;
  previous: number;
  /** Money, in minor units of `currency`. */
  currency?: string;
}

function metric(metric: string, of: (totals: Totals) => number, now: Totals, before: Totals): MetricRow {
  return { metric, value: of(now), previous: of(before) };
}

const amount = (value: number, currency: string | undefined) => (currency ? formatMinor(value, currency) : number(value));

function metricsTable(name: string, caption: string, rows: MetricRow[]): Table<MetricRow> {
  return {
    name,
    caption,
    columns: [
      { key: 'metric', label: 'Figure', value: (row) => row.metric },
      { key: 'period', label: 'This period', value: (row) => row.value, shown: (row) => amount(row.value, row.currency) },
      { key: 'previous', label: 'Previous period', value: (row) => row.previous, shown: (row) => amount(row.previous, row.currency) },
      { key: 'currency', label: 'Currency', value: (row) => row.currency ?? '', shown: (row) => row.currency ?? '' },
    ],
    rows,
  };
}

/** Subscriptions started, renewed and ended, and refunds by currency (in minor units). */
export function moneyTable(now: Totals, before: Totals): Table<MetricRow> {
  const currencies = [...new Set([settings.currency, ...now.refunds.keys(), ...before.refunds.keys()])];
  return metricsTable('money', 'Subscriptions and refunds in the period', [
    metric('New subscriptions', (totals) => totals.subscriptions.started, now, before),
    metric('Renewed', (totals) => totals.subscriptions.renewed, now, before),
    metric('Payment failed', (totals) => totals.subscriptions.past_due, now, before),
    metric('Set to end', (totals) => totals.subscriptions.cancelling, now, before),
    metric('Ended', (totals) => totals.subscriptions.ended, now, before),
    ...currencies.map((currency) => ({ ...metric('Refunded', (totals) => totals.refunds.get(currency) ?? 0, now, before), currency })),
  ]);
}

export function giftsTable(now: Totals, before: Totals): Table<MetricRow> {
  return metricsTable('gifts', 'Gifts and feeds', [
    metric('Gift links made', (totals) => totals.giftsMade, now, before),
    metric('Gift links opened', (totals) => totals.giftsOpened, now, before),
    metric('Registrations from a gift', (totals) => totals.giftRegistrations, now, before),
    metric('Subscriptions from a gift', (totals) => totals.giftSubscriptions, now, before),
    metric('Private feed fetches', (totals) => totals.feedFetches, now, before),
  ]);
}

export interface ReadersRow {
  day: string;
  readers: Map<string, number>;
}

/**
 * Unique readers per local day: site-wide, those who met the wall, the share of readers stopped
 * by it (the stop rate of Piano's boards), and per section.
 */
export function readersTable(days: { from: string; to: string }, readers: Map<string, Map<string, number>>): Table<ReadersRow> {
  const rows: ReadersRow[] = [];
  for (let day = days.from; day <= days.to; day = addDays(day, 1)) rows.push({ day, readers: readers.get(day) ?? new Map() });
  const of = (scope: string) => (row: ReadersRow) => row.readers.get(scope) ?? 0;
  return {
    name: 'readers',
    caption: 'Unique readers per day',
    columns: [
      { key: 'day', label: 'Day', value: (row) => row.day },
      count('readers', 'Readers', of('site')),
      count('wall_readers', 'Met the wall', of('wall')),
      { key: 'stop_rate', label: 'Stop rate', value: (row) => share(of('wall')(row), of('site')(row)), shown: (row) => percent(share(of('wall')(row), of('site')(row))) },
      ...sectionsFile.map((section) => count<ReadersRow>(`section_${section.id}`, section.name, of(`section:${section.id}`))),
    ],
    rows,
  };
}
