// Dates as the site writes them for readers (formatDay, in the publication's locale and time
// zone), as a pattern: "22 November 2031" in en-GB, "November 22, 2031" in en-US.
import { formatDay } from '../src/paywall/dates.ts';

const sample = formatDay(new Date(Date.UTC(2031, 10, 22, 12)));

/** Source of a regular expression (use the `u` flag) that matches any day written that way. */
export const DAY = sample.replace(/(\d+)|(\p{L}+)|(\s+)|(.)/gu, (_, digits, letters, space, other: string) => {
  if (digits) return '\\d+';
  if (letters) return '\\p{L}+';
  if (space) return '\\s';
  return other.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
});
