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
