import { settings } from './settings.ts';

const dateTime = new Intl.DateTimeFormat(settings.locale, {
  dateStyle: 'long',
  timeStyle: 'short',
  timeZone: settings.timeZone,
});

const dateOnly = new Intl.DateTimeFormat(settings.locale, { dateStyle: 'long', timeZone: settings.timeZone });

/** A date and time as readers of this site write it, in the newsroom's time zone. */
export function formatDateTime(date: Date): string {
  return dateTime.format(date);
}

/** A day as readers of this site write it, in the newsroom's time zone. */
export function formatDay(date: Date): string {
  return dateOnly.format(date);
}

const yearMonth = new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', timeZone: settings.timeZone });

/** The year and month (`2026`, `03`) of a date in the newsroom's time zone: where the date archive files a story. */
export function yearMonthOf(date: Date): { year: string; month: string } {
  const parts = yearMonth.formatToParts(date);
  return { year: parts.find((part) => part.type === 'year')!.value, month: parts.find((part) => part.type === 'month')!.value };
}

const monthName = new Intl.DateTimeFormat(settings.locale, { month: 'long', year: 'numeric', timeZone: 'UTC' });

/** A month as readers of this site write it, e.g. "March 2026". */
export function formatMonth(year: string, month: string): string {
  return monthName.format(Date.UTC(Number(year), Number(month) - 1, 15));
}

const calendarDay = new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit', timeZone: settings.timeZone });

/** "2026-12-05": the day of a moment in the newsroom's time zone. */
export function localDayOf(date: Date): string {
  const parts = calendarDay.formatToParts(date);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((candidate) => candidate.type === type)!.value;
  return `${part('year')}-${part('month')}-${part('day')}`;
}

/** Whether a YYYY-MM-DD names a real calendar day (not `2026-02-30`, which Date rolls into March). */
export function isCalendarDay(day: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) return false;
  const [year, month, date] = match.slice(1).map(Number) as [number, number, number];
  const value = new Date(Date.UTC(year, month - 1, date));
  return value.getUTCFullYear() === year && value.getUTCMonth() === month - 1 && value.getUTCDate() === date;
}
