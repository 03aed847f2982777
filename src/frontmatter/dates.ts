/**
 * Dates as editors write them in frontmatter, checked from the text itself. YAML turns
 * `2026-13-45` or `2026-02-30` into a real date in another month before any schema sees it, and
 * a story dated by mistake into the future would silently vanish under embargo, so the build
 * reads the literal text and refuses anything that is not a real calendar date.
 *
 * Accepted: `2026-11-20`, `2026-11-20T09:30`, `2026-11-20T09:30:00`, with an optional fraction of
 * a second, and an optional `Z` or offset (`+05:30`, `+0530`, `-04`). Without an offset the time
 * is the newsroom's (`timeZone` in content/site.json); a date alone is midnight there.
 */

import { dateTimeFormat } from '../paywall/intl.ts';

export class DateFieldError extends Error {
  override name = 'DateFieldError';
}

/** The earliest date any archive story plausibly carries. */
const EARLIEST = Date.UTC(1800, 0, 1);
/** An embargo longer than this is a typo in the year, not a plan. */
const LONGEST_EMBARGO_YEARS = 2;

const FORMAT =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Milliseconds to add to UTC to get the wall-clock time in `timeZone` at `instant`. */
function offsetAt(instant: number, timeZone: string): number {
  const parts = dateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(instant));
  const part = (type: string) => Number(parts.find((candidate) => candidate.type === type)?.value);
  const wall = Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'), part('second'));
  return wall - Math.floor(instant / 1000) * 1000;
}

/** The instant when the clocks in `timeZone` show this wall-clock time. */
function fromWallClock(wall: number, timeZone: string): number {
  const first = wall - offsetAt(wall, timeZone);
  return wall - offsetAt(first, timeZone);
}

function offsetMinutes(offset: string): number {
  if (/^z$/i.test(offset)) return 0;
  const [, sign, hours, minutes = '0'] = /^([+-])(\d{2}):?(\d{2})?$/.exec(offset)!;
  const total = Number(hours) * 60 + Number(minutes);
  if (Number(hours) > 14 || Number(minutes) > 59 || total > 14 * 60) {
    throw new DateFieldError(`the offset ${offset} is not a time zone offset (they run from -12:00 to +14:00)`);
  }
  return sign === '-' ? -total : total;
}

/**
 * The instant an editor's date text means, or a DateFieldError saying what is wrong with it.
 * `now` bounds how far ahead an embargo may reach.
 */
export function parseEditorDate(text: string, timeZone: string, now: Date = new Date()): Date {
  const match = FORMAT.exec(text.trim());
  if (!match) throw new DateFieldError('is not a date in the form year-month-day, with an optional time and offset');
  const [, y, mo, d, h = '00', mi = '00', s = '00', fraction = '', offset] = match;
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12) throw new DateFieldError(`has month ${mo}, and a year has months 01 to 12`);
  if (day < 1 || day > daysIn(year, month)) {
    throw new DateFieldError(`has day ${d}, and ${MONTHS[month - 1]} ${year} has ${daysIn(year, month)} days`);
  }
  if (hour > 23 || minute > 59 || second > 59) throw new DateFieldError(`has the time ${h}:${mi}:${s}, which is not a time of day`);
  const milliseconds = Number(`0.${fraction || '0'}`) * 1000;
  const wall = Date.UTC(year, month - 1, day, hour, minute, second, milliseconds);
  const instant = offset === undefined ? fromWallClock(wall, timeZone) : wall - offsetMinutes(offset) * 60_000;
  if (instant < EARLIEST) throw new DateFieldError('is before 1800, earlier than any story we could publish');
  const latest = new Date(now);
  latest.setUTCFullYear(latest.getUTCFullYear() + LONGEST_EMBARGO_YEARS);
  if (instant > latest.getTime()) {
    throw new DateFieldError(`is more than ${LONGEST_EMBARGO_YEARS} years ahead; the story would stay under embargo until then`);
  }
  return new Date(instant);
}

/** The raw text of top-level fields in a frontmatter block, without quotes or comments. */
export function rawFields(source: string, names: readonly string[]): Map<string, string> {
  const frontmatter = /^\uFEFF?---\r?\n([\s\S]*?)\r?\n---/.exec(source)?.[1] ?? '';
  const fields = new Map<string, string>();
  for (const line of frontmatter.split(/\r?\n/)) {
    const match = /^(["']?)([\w-]+)\1\s*:\s*(.*?)\s*$/.exec(line);
    if (!match || !names.includes(match[2]!)) continue;
    const value = match[3]!.replace(/\s+#.*$/, '');
    fields.set(match[2]!, value.replace(/^(["'])(.*)\1$/, '$2'));
  }
  return fields;
}

/** An example of a valid date for messages: now, in the newsroom's time zone, with its offset. */
export function exampleDate(timeZone: string, now: Date = new Date()): string {
  const offset = Math.round(offsetAt(now.getTime(), timeZone) / 60_000);
  const local = new Date(now.getTime() + offset * 60_000).toISOString().slice(0, 19);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}
