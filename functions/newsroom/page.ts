import { escapeHtml } from '../../src/paywall/html.ts';
import { formatMinor } from '../../src/paywall/plans.ts';
import { settings } from '../../src/paywall/settings.ts';
import { LAST_DAYS, type Period } from './period.ts';
import type { LiveSubscriptions } from './queries.ts';
import type { Column, FiguresRow, FunnelRow, MeterRow, MetricRow, ReadersRow, StoryRow, Table } from './tables.ts';

/**
 * The dashboard's HTML, which the edge puts into the build's shell (src/pages/newsroom/index.astro).
 * Every value is escaped here. The charts are inline SVG bars drawn beside the figures they show,
 * in the same table, and hidden from assistive technology, which reads the figures; they hold no
 * text, so every text on the page has a contrast that can be checked.
 */

export const STORIES_PER_PAGE = 25;

const number = (value: number) => new Intl.NumberFormat(settings.locale).format(value);

export interface Sorting {
  key: string;
  descending: boolean;
  page: number;
}

/** The sort and page a request asks for; an unknown column falls back to `fallback`, descending. */
export function sortingOf<Row>(search: URLSearchParams, columns: Column<Row>[], fallback: string): Sorting {
  const key = search.get('sort') ?? fallback;
  const known = columns.some((column) => column.key === key);
  const page = Number(search.get('page') ?? '1');
  return { key: known ? key : fallback, descending: search.get('dir') !== 'asc', page: Number.isInteger(page) && page > 0 ? page : 1 };
}

export function sorted<Row>(table: Table<Row>, sorting: Sorting): Row[] {
  const column = table.columns.find((candidate) => candidate.key === sorting.key) ?? table.columns[0]!;
  const direction = sorting.descending ? -1 : 1;
  return [...table.rows].sort((a, b) => {
    const x = column.value(a);
    const y = column.value(b);
    // Blank cells (a rate with nothing to divide by) go last whichever way the column is sorted.
    if (x === '' || y === '') return x === y ? 0 : x === '' ? 1 : -1;
    return (typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y), settings.locale)) * direction;
  });
}

/** A bar for a figure, as wide as its share of the largest in its table: the chart, drawn beside the number it shows. */
function bar(value: number, max: number): string {
  const width = max > 0 ? Math.round((value / max) * 1000) / 10 : 0;
  return `<svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true" focusable="false"><rect width="${width}" height="10"></rect></svg>`;
}

interface TableOptions<Row> {
  /** How many leading columns name the row (1 unless said). */
  header?: number;
  /** Headings that replace the plain ones (the sort links). */
  heads?: string[];
  rowClass?: (row: Row) => string;
  /** The column whose figures get a bar. */
  bars?: string;
}

/** The columns the page shows: all but those kept for the CSV only. */
function shownColumns<Row>(table: Table<Row>): Column<Row>[] {
  return table.columns.filter((column) => !column.csvOnly);
}

function cells<Row>(columns: Column<Row>[], row: Row, options: TableOptions<Row>, max: number): string {
  const header = options.header ?? 1;
  return columns
    .map((column, index) => {
      const raw = column.value(row);
      const value = escapeHtml(column.shown ? column.shown(row) : String(raw));
      if (index < header) return `<th scope="row">${value}</th>`;
      // A blank figure (a rate with nothing to divide by) lines up with the figures around it.
      if (typeof raw !== 'number') return raw === '' ? `<td class="num">${value}</td>` : `<td>${value}</td>`;
      return `<td class="num">${column.key === options.bars ? bar(raw, max) : ''}${value}</td>`;
    })
    .join('');
}

function csvLink(table: Table<unknown>, period: Period): string {
  return `<a class="csv" href="/newsroom/${table.name}.csv?from=${period.from}&amp;to=${period.to}" download>${escapeHtml(table.caption)} as CSV</a>`;
}

/**
 * A table with its caption and CSV link. The wrapper scrolls sideways on a narrow screen, and is
 * named apart from the section it sits in, so that landmarks stay distinguishable.
 */
function tableHtml<Row>(table: Table<Row>, rows: Row[], period: Period, options: TableOptions<Row> = {}): string {
  const columns = shownColumns(table);
  const heads = options.heads ?? columns.map((column) => `<th scope="col">${escapeHtml(column.label)}</th>`);
  const barColumn = columns.find((column) => column.key === options.bars);
  const max = barColumn ? Math.max(0, ...rows.map((row) => Number(barColumn.value(row)) || 0)) : 0;
  return `<div class="table-wrap" tabindex="0" role="region" aria-label="${escapeHtml(`Table: ${table.caption}`)}">
<table class="figures">
<caption class="visually-hidden">${escapeHtml(table.caption)}</caption>
<thead><tr>${heads.join('')}</tr></thead>
<tbody>${rows.map((row) => `<tr${options.rowClass?.(row) ? ` class="${options.rowClass(row)}"` : ''}>${cells(columns, row, options, max)}</tr>`).join('\n')}</tbody>
</table>
</div>
<p class="csv-link">${csvLink(table as Table<unknown>, period)}</p>`;
}

function pickerHtml(period: Period): string {
  const links = LAST_DAYS.map((days) => {
    const current = period.query === `last=${days}`;
    return `<li><a href="/newsroom/?last=${days}"${current ? ' aria-current="page"' : ''}>Last ${days} days</a></li>`;
  }).join('');
  const month = period.query.startsWith('month=') ? period.query.slice(6) : '';
  const range = period.query.startsWith('from=') ? period : undefined;
  return `<nav class="period-picker" aria-label="Period">
<ul role="list">${links}</ul>
<form method="get" action="/newsroom/" class="form-inline">
<label for="period-month">Month</label>
<input id="period-month" name="month" type="month" required value="${escapeHtml(month)}">
<button class="button button-secondary" type="submit">Show the month</button>
</form>
<form method="get" action="/newsroom/" class="form-inline">
<label for="period-from">From</label>
<input id="period-from" name="from" type="date" required value="${escapeHtml(range?.from ?? '')}">
<label for="period-to">to</label>
<input id="period-to" name="to" type="date" required value="${escapeHtml(range?.to ?? '')}">
<button class="button button-secondary" type="submit">Show these days</button>
</form>
</nav>`;
}

const NAME_COLUMNS = new Set(['path', 'title', 'section', 'author']);

/** The headings of a sortable table: each a link that sorts by its column, the other way when it already does. */
function sortHeads<Row>(table: Table<Row>, sorting: Sorting, period: Period): string[] {
  return shownColumns(table).map((column) => {
    const current = column.key === sorting.key;
    // Figures sort largest first, names from A; a second click on the sorted column turns it round.
    const descending = current ? !sorting.descending : !NAME_COLUMNS.has(column.key);
    const href = `/newsroom/?${period.query}&amp;sort=${column.key}&amp;dir=${descending ? 'desc' : 'asc'}#${table.name}`;
    const state = current ? ` aria-sort="${sorting.descending ? 'descending' : 'ascending'}"` : '';
    return `<th scope="col"${state}><a href="${href}">${escapeHtml(column.label)}</a></th>`;
  });
}

function pagerHtml(tableName: string, sorting: Sorting, pages: number, period: Period): string {
  if (pages <= 1) return '';
  const link = (page: number, text: string, rel: string) =>
    `<a rel="${rel}" href="/newsroom/?${period.query}&amp;sort=${sorting.key}&amp;dir=${sorting.descending ? 'desc' : 'asc'}&amp;page=${page}#${tableName}">${text}</a>`;
  return `<nav class="pager" aria-label="Pages of stories"><p>
${sorting.page > 1 ? link(sorting.page - 1, 'Previous page', 'prev') : ''}
<span>Page ${sorting.page} of ${pages}</span>
${sorting.page < pages ? link(sorting.page + 1, 'Next page', 'next') : ''}
</p></nav>`;
}

/** Everything the dashboard shows for one period. */
export interface Dashboard {
  period: Period;
  funnel: Table<FunnelRow>;
  stories: Table<StoryRow>;
  storySorting: Sorting;
  sections: Table<FiguresRow>;
  authors: Table<FiguresRow>;
  meter: Table<MeterRow>;
  largerAllowance: number;
  subscriptions: Table<LiveSubscriptions>;
  monthlyRevenue: number;
  money: Table<MetricRow>;
  gifts: Table<MetricRow>;
  readers: Table<ReadersRow>;
}

function section(id: string, title: string, body: string): string {
  return `<section class="newsroom-part" id="${id}" aria-labelledby="${id}-title">\n<h2 id="${id}-title">${escapeHtml(title)}</h2>\n${body}\n</section>`;
}

export function dashboardHtml(d: Dashboard): string {
  const { period } = d;
  const pages = Math.max(1, Math.ceil(d.stories.rows.length / STORIES_PER_PAGE));
  const page = Math.min(d.storySorting.page, pages);
  const storyRows = sorted(d.stories, d.storySorting).slice((page - 1) * STORIES_PER_PAGE, page * STORIES_PER_PAGE);
  return [
    `<p class="newsroom-period">${escapeHtml(period.label)}, in ${escapeHtml(settings.timeZone)} time. Compared with the same number of days before: ${escapeHtml(period.previous.label)}.</p>`,
    pickerHtml(period),
    section(
      'readers',
      'Readers',
      `<p>Estimated from a daily-salted hash, with a standard error of about 1.6%; each day's readers are counted on their own.</p>
${tableHtml(d.readers, d.readers.rows, period, { bars: 'readers' })}`,
    ),
    section('funnel', 'Funnel', tableHtml(d.funnel, d.funnel.rows, period, { bars: 'count', rowClass: (row) => (row.part ? 'part' : '') })),
    section('stories', 'Stories', `${tableHtml(d.stories, storyRows, period, { heads: sortHeads(d.stories, { ...d.storySorting, page }, period), bars: d.storySorting.key })}\n${pagerHtml('stories', { ...d.storySorting, page }, pages, period)}`),
    section('sections', 'Sections', tableHtml(d.sections, d.sections.rows, period, { bars: 'views' })),
    section('authors', 'Authors', tableHtml(d.authors, d.authors.rows, period, { bars: 'views' })),
    section(
      'meter',
      'Meter',
      `<p>Registered readers who read past the ${settings.freeStoriesPerMonth} stories of the anonymous allowance: <strong>${number(d.largerAllowance)}</strong>.</p>
${tableHtml(d.meter, d.meter.rows, period, { header: 2, bars: 'reads' })}`,
    ),
    section(
      'money',
      'Money',
      `<p>Recurring revenue per month, from billed subscriptions set to renew: <strong>${escapeHtml(formatMinor(d.monthlyRevenue))}</strong>.</p>
${tableHtml(d.subscriptions, d.subscriptions.rows, period, { bars: 'count' })}
${tableHtml(d.money, d.money.rows, period)}`,
    ),
    section('gifts', 'Gifts and feeds', tableHtml(d.gifts, d.gifts.rows, period)),
  ].join('\n');
}
