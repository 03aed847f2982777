import { settings } from '../../src/paywall/settings.ts';
import { localHour } from './events.ts';
import { estimate } from './hll.ts';
import { makeSalts } from './visitor.ts';

/** Months of hourly counts kept: a year can be compared with the year before, and a month to spare. */
export const MONTHS_KEPT = 25;
/** Days of counted message ids kept: longer than a queue keeps a message (14 days at most), so a late redelivery is still known. */
export const MESSAGE_IDS_DAYS = 15;

/** The first local month still kept, as the start of an hour key: "2024-11". */
export function oldestMonthKept(now: Date, timeZone: string): string {
  const [year, month] = localHour(now, timeZone).day.split('-').map(Number) as [number, number];
  const index = year * 12 + (month - 1) - (MONTHS_KEPT - 1);
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/**
 * The hourly upkeep of the newsroom's tables: each past day's unique readers become one number
 * (the registers of today and yesterday stay, for messages still on their way), the salts of
 * past days are deleted and the next ones made, and counts past the months kept are deleted.
 */
export async function keepAnalytics(db: D1Database, now: Date): Promise<{ closedDays: number }> {
  const { day: today } = localHour(now, settings.timeZone);
  const yesterday = localHour(new Date(now.getTime() - 86_400_000), settings.timeZone).day;
  const tomorrow = localHour(new Date(now.getTime() + 86_400_000), settings.timeZone).day;
  const open = await db
    .prepare('SELECT day, scope, json_group_array(rank) AS ranks FROM analytics_uniques WHERE day < ? GROUP BY day, scope')
    .bind(yesterday)
    .all<{ day: string; scope: string; ranks: string }>();
  const days = new Set(open.results.map((row) => row.day));
  await db.batch([
    ...open.results.map((row) =>
      db
        .prepare(
          `INSERT INTO analytics_counts (hour, event, story, detail, count) VALUES (?, 'uniques', '', ?, ?)
           ON CONFLICT (hour, event, story, detail) DO UPDATE SET count = excluded.count`,
        )
        .bind(`${row.day}T00`, row.scope, estimate(JSON.parse(row.ranks) as number[])),
    ),
    db.prepare('DELETE FROM analytics_uniques WHERE day < ?').bind(yesterday),
    db.prepare('DELETE FROM analytics_salts WHERE day < ?').bind(today),
    ...makeSalts(db, [today, tomorrow]),
    db.prepare('DELETE FROM analytics_counts WHERE hour < ?').bind(oldestMonthKept(now, settings.timeZone)),
    db.prepare('DELETE FROM analytics_messages WHERE day < ?').bind(localHour(new Date(now.getTime() - MESSAGE_IDS_DAYS * 86_400_000), settings.timeZone).day),
  ]);
  return { closedDays: days.size };
}
