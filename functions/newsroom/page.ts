import { escapeHtml } from '../../src/paywall/html.ts';
import { formatMinor } from '../../src/paywall/plans.ts';
import { settings } from '../../src/paywall/settings.ts';
import { LAST_DAYS, type Period } from './period.ts';
import type { Column, Table } from './tables.ts';

/**
 * The dashboard's HTML, which the edge puts into the build's shell (src/pages/newsroom/index.astro).
 * Every value is escaped here. Charts are inline SVG drawn from the same rows as the table beside
 * them; the SVG is hidden from assistive technology, which reads the table.
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

function cells<Row>(columns: Column<Row>[], row: Row, header = 0): string {
  return columns
    .map((column, index) => {
      const value = column.shown ? column.shown(row) : String(column.value(row));
      const numeric = typeof column.value(row) === 'number';
      return index < header ? `<th scope="row">${escapeHtml(value)}</th>` : `<td${numeric ? ' class="num"' : ''}>${escapeHtml(value)}</td>`;
    })
    .join('');
}

function csvLink(table: Table<unknown>, period: Period): string {
  return `<a class="csv" href="/newsroom/${table.name}.csv?from=${period.from}&amp;to=${period.to}" download>${escapeHtml(table.caption)} as CSV</a>`;
}

/** A table with its caption and CSV link; `header` columns name the row. `heads` may replace the column headings (the sort links). */
function tableHtml<Row>(table: Table<Row>, rows: Row[], period: Period, options: { header?: number; heads?: string[]; rowClass?: (row: Row) => string } = {}): string {
  const heads = options.heads ?? table.columns.map((column) => `<th scope="col">${escapeHtml(column.label)}</th>`);
  return `<div class="table-wrap" tabindex="0" role="region" aria-label="${escapeHtml(table.caption)}">
<table class="figures">
<caption>${escapeHtml(table.caption)}</caption>
<thead><tr>${heads.join('')}</tr></thead>
<tbody>${rows.map((row) => `<tr${options.rowClass?.(row) ? ` class="${options.rowClass(row)}"` : ''}>${cells(table.columns, row, options.header ?? 1)}</tr>`).join('\n')}</tbody>
</table>
</div>
<p class="csv-link">${csvLink(table as Table<unknown>, period)}</p>`;
}

/** Horizontal bars, one per item, scaled to the largest; labels and values are drawn too, for sighted readers. */
export function barChart(items: { label: string; value: number }[]): string {
  const max = Math.max(1, ...items.map((item) => item.value));
  const rowHeight = 28;
  const labelWidth = 260;
  const barWidth = 420;
  const height = items.length * rowHeight;
  const bars = items
    .map((item, index) => {
      const y = index * rowHeight;
      const width = Math.max(item.value > 0 ? 2 : 0, Math.round((item.value / max) * barWidth));
      return `<text x="0" y="${y + 18}" class="chart-label">${escapeHtml(item.label)}</text><rect x="${labelWidth}" y="${y + 5}" width="${width}" height="${rowHeight - 10}" class="chart-bar"></rect><text x="${labelWidth + width + 6}" y="${y + 18}" class="chart-value">${escapeHtml(number(item.value))}</text>`;
    })
    .join('');
  return `<svg class="chart" viewBox="0 0 ${labelWidth + barWidth + 90} ${height}" aria-hidden="true" focusable="false">${bars}</svg>`;
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
  return table.columns.map((column) => {
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

export interface Dashboard {
  period: Period;
  funnel: Table<import('./tables.ts').FunnelRow>;
  stories: Table<import('./tables.ts').StoryRow>;
  storySorting: Sorting;
  sections: Table<import('./tables.ts').FiguresRow>;
  authors: Table<import('./tables.ts').FiguresRow>;
  meter: Table<import('./tables.ts').MeterRow>;
  largerAllowance: number;
  subscriptions: Table<import('./queries.ts').LiveSubscriptions>;
  monthlyRevenue: number;
  money: Table<import('./tables.ts').MetricRow>;
  gifts: Table<import('./tables.ts').MetricRow>;
}

function section(id: string, title: string, body: string): string {
  return `<section class="newsroom-part" id="${id}" aria-labelledby="${id}-title">\n<h2 id="${id}-title">${escapeHtml(title)}</h2>\n${body}\n</section>`;
}

export function dashboardHtml(d: Dashboard): string {
  const { period } = d;
  const pages = Math.max(1, Math.ceil(d.stories.rows.length / STORIES_PER_PAGE));
  const page = Math.min(d.storySorting.page, pages);
  const storyRows = sorted(d.stories, d.storySorting).slice((page - 1) * STORIES_PER_PAGE, page * STORIES_PER_PAGE);
  const mainSteps = d.funnel.rows.filter((row) => !row.part);
  const meterByAllowance = [...new Set(d.meter.rows.map((row) => row.allowance))];
  return [
    `<p class="newsroom-period">${escapeHtml(period.label)}, in ${escapeHtml(settings.timeZone)} time. Compared with the ${escapeHtml(period.previous.from)} to ${escapeHtml(period.previous.to)}.</p>`,
    pickerHtml(period),
    section('funnel', 'Funnel', `${barChart(mainSteps.map((row) => ({ label: row.step, value: row.count })))}\n${tableHtml(d.funnel, d.funnel.rows, period, { rowClass: (row) => (row.part ? 'part' : '') })}`),
    section('stories', 'Stories', `${tableHtml(d.stories, storyRows, period, { header: 2, heads: sortHeads(d.stories, { ...d.storySorting, page }, period) })}\n${pagerHtml('stories', { ...d.storySorting, page }, pages, period)}`),
    section('sections', 'Sections', `${barChart(d.sections.rows.map((row) => ({ label: row.name, value: row.views })))}\n${tableHtml(d.sections, d.sections.rows, period)}`),
    section('authors', 'Authors', tableHtml(d.authors, d.authors.rows, period)),
    section(
      'meter',
      'Meter',
      `${meterByAllowance.map((allowance) => barChart(d.meter.rows.filter((row) => row.allowance === allowance).map((row) => ({ label: row.position, value: row.reads })))).join('\n')}
<p>Registered readers who read past the ${settings.freeStoriesPerMonth} stories of the anonymous allowance: <strong>${number(d.largerAllowance)}</strong>.</p>
${tableHtml(d.meter, d.meter.rows, period, { header: 2 })}`,
    ),
    section(
      'money',
      'Money',
      `<p>Recurring revenue per month, from billed subscriptions set to renew: <strong>${escapeHtml(formatMinor(d.monthlyRevenue))}</strong>.</p>
${tableHtml(d.subscriptions, d.subscriptions.rows, period, { header: 0 })}
${tableHtml(d.money, d.money.rows, period)}`,
    ),
    section('gifts', 'Gifts and feeds', tableHtml(d.gifts, d.gifts.rows, period)),
  ].join('\n');
}
