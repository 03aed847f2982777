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
