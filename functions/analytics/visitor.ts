/**
 * Unique readers without knowing who they are, by Plausible's method: a reader is the SHA-256 of
 * the local day's random salt, the site's host, the client's address and its User-Agent. Only 64
 * bits of it travel in the queue, and the consumer keeps only a HyperLogLog register from that.
 * The salt is deleted once its day is over, so no hash can be made again and nobody can be
 * followed from one day to the next. None of this grants anything: it only counts.
 */

/** How long an isolate keeps a day's salt before reading it again (a missing one, briefly). */
const SALT_KEPT_MS = 10 * 60_000;
const MISSING_KEPT_MS = 60_000;

const salts = new Map<string, { salt: string | null; until: number }>();

/**
 * The salt of a local day, read from D1 once in a while per isolate. Null when it does not exist
 * yet: the hourly job and the consumer make each day's salt ahead of it.
 */
export async function daySalt(db: D1Database, day: string, now: number): Promise<string | null> {
  const kept = salts.get(day);
  if (kept && kept.until > now) return kept.salt;
  const salt = await db.prepare('SELECT salt FROM analytics_salts WHERE day = ?').bind(day).first<string>('salt');
  if (salts.size > 4) salts.clear();
  salts.set(day, { salt, until: now + (salt ? SALT_KEPT_MS : MISSING_KEPT_MS) });
  return salt;
}

/** The reader's hash for the day: 16 hex digits. */
export async function visitorHash(salt: string, host: string, address: string, userAgent: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`${salt}\n${host}\n${address}\n${userAgent}`));
  return [...new Uint8Array(digest, 0, 8)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** Makes the salts of these days if they do not exist: random, 32 bytes each. */
export function makeSalts(db: D1Database, days: string[]): D1PreparedStatement[] {
  return days.map((day) => {
    const salt = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
    return db.prepare('INSERT INTO analytics_salts (day, salt) VALUES (?, ?) ON CONFLICT DO NOTHING').bind(day, salt);
  });
}
