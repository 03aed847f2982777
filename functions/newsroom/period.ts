import { localHour } from '../analytics/events.ts';
import { dateTimeFormat } from '../../src/paywall/intl.ts';
import { settings } from '../../src/paywall/settings.ts';

/**
 * The days a newsroom page covers, as local days of the site's time zone (`settings.timeZone`),
 * both ends included, and the period of the same length just before it, to compare with.
 */
export interface Period {
  from: string;
  to: string;
  /** What the picker chose: `last=7`, `month=2026-11`, or `from=…&to=…`, to keep in links. */
  query: string;
  label: string;
  previous: { from: string; to: string; label: string };
}

/** The lengths the picker offers. */
export const LAST_DAYS = [7, 28, 90] as const;
const DEFAULT_DAYS = 28;
/** Hourly counts are kept 25 months (functions/analytics/retention.ts): a longer period would show less than it says. */
const MAX_DAYS = 762;

const DAY_MS = 86_400_000;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const MONTH = /^(\d{4})-(\d{2})$/;

/** A YYYY-MM-DD that is a real calendar day, as milliseconds at its UTC midnight (calendar arithmetic only). */
function dayValue(day: string): number | undefined {
  const match = DAY.exec(day);
  if (!match) return undefined;
  const [, year, month, date] = match.map(Number) as [number, number, number, number];
  const value = Date.UTC(year, month - 1, date);
  return new Date(value).getUTCDate() === date && new Date(value).getUTCMonth() === month - 1 ? value : undefined;
}

function dayOf(value: number): string {
  return new Date(value).toISOString().slice(0, 10);
}

/** The day `days` after (or before) a YYYY-MM-DD. */
export function addDays(day: string, days: number): string {
  return dayOf(dayValue(day)! + days * DAY_MS);
}

/** The first hour key of a day and the first after the last: a period's hours are `from <= hour < until`. */
export function hourRange(period: { from: string; to: string }): [from: string, until: string] {
  return [`${period.from}T00`, `${addDays(period.to, 1)}T00`];
}

const dayName = dateTimeFormat(settings.locale, { dateStyle: 'medium', timeZone: 'UTC' });
const monthName = dateTimeFormat(settings.locale, { month: 'long', year: 'numeric', timeZone: 'UTC' });

function span(from: string, to: string): string {
  return from === to ? dayName.format(dayValue(from)!) : dayName.formatRange(dayValue(from)!, dayValue(to)!);
}

function period(from: string, to: string, query: string, label: string): Period {
  const length = (dayValue(to)! - dayValue(from)!) / DAY_MS + 1;
  const previous = { from: addDays(from, -length), to: addDays(from, -1) };
  return { from, to, query, label, previous: { ...previous, label: span(previous.from, previous.to) } };
}

export class PeriodError extends Error {
  override name = 'PeriodError';
}

/**
 * The period a request asks for: `?last=7|28|90` (days up to today, the default 28), `?month=YYYY-MM`,
 * or `?from=YYYY-MM-DD&to=YYYY-MM-DD`. Throws a PeriodError that says what to write instead.
 */
export function periodOf(search: URLSearchParams, now: Date): Period {
  const today = localHour(now, settings.timeZone).day;
  const from = search.get('from');
  const to = search.get('to');
  if (from !== null || to !== null) {
    const start = dayValue(from ?? '');
    const end = dayValue(to ?? '');
    if (start === undefined || end === undefined) throw new PeriodError('Give both ends of the period as dates, e.g. from=2026-11-01 and to=2026-11-30.');
    if (start > end) throw new PeriodError(`The period starts (${from}) after it ends (${to}).`);
    if ((end - start) / DAY_MS + 1 > MAX_DAYS) throw new PeriodError(`A period can be at most ${MAX_DAYS} days: counts are kept 25 months.`);
    return period(from!, to!, `from=${from}&to=${to}`, span(from!, to!));
  }
  const month = search.get('month');
  if (month !== null) {
    const match = MONTH.exec(month);
    const first = match ? dayValue(`${month}-01`) : undefined;
    if (first === undefined) throw new PeriodError(`Give a month as YYYY-MM, e.g. ${today.slice(0, 7)}.`);
    const last = dayOf(Date.UTC(new Date(first).getUTCFullYear(), new Date(first).getUTCMonth() + 1, 0));
    return period(`${month}-01`, last, `month=${month}`, monthName.format(first));
  }
  const last = search.get('last');
  const days = last === null ? DEFAULT_DAYS : Number(last);
  if (!LAST_DAYS.includes(days as (typeof LAST_DAYS)[number])) throw new PeriodError(`Choose the last ${LAST_DAYS.join(', ')} days, a month or two dates.`);
  return period(addDays(today, -(days - 1)), today, `last=${days}`, `The last ${days} days (${span(addDays(today, -(days - 1)), today)})`);
}
