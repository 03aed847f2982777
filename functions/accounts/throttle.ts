/**
 * Slows and then refuses repeated failed logins, per account and per client address, with the
 * counts in D1 so every edge location sees the same numbers.
 */

export interface ThrottlePolicy {
  /** Failures after which each further attempt waits. */
  slowAfter: number;
  /** Failures after which attempts are refused until the block ends. */
  blockAfter: number;
}

export const POLICIES = {
  account: { slowAfter: 3, blockAfter: 5 },
  client: { slowAfter: 10, blockAfter: 20 },
} satisfies Record<string, ThrottlePolicy>;

/** Failures older than this are forgotten. */
export const WINDOW_SECONDS = 15 * 60;
export const BLOCK_SECONDS = 15 * 60;
const DELAY_STEP_MS = 500;
const MAX_DELAY_MS = 3000;

export interface ThrottleKey {
  key: string;
  policy: ThrottlePolicy;
}

export function throttleKeys(email: string, client: string | undefined): ThrottleKey[] {
  return [
    { key: `account:${email}`, policy: POLICIES.account },
    ...(client ? [{ key: `client:${client}`, policy: POLICIES.client }] : []),
  ];
}

export type Verdict = { blocked: false; delayMs: number } | { blocked: true; retryAfter: number };

interface Row {
  key: string;
  failures: number;
  first_failure_at: number;
  blocked_until: number;
}

export async function checkThrottle(db: D1Database, keys: ThrottleKey[], now: number): Promise<Verdict> {
  const placeholders = keys.map(() => '?').join(', ');
  const { results } = await db
    .prepare(`SELECT key, failures, first_failure_at, blocked_until FROM login_failures WHERE key IN (${placeholders})`)
    .bind(...keys.map((entry) => entry.key))
    .all<Row>();
  let delayMs = 0;
  let retryAfter = 0;
  for (const row of results) {
    if (row.blocked_until > now) retryAfter = Math.max(retryAfter, row.blocked_until - now);
    if (row.first_failure_at <= now - WINDOW_SECONDS) continue;
    const { policy } = keys.find((entry) => entry.key === row.key)!;
    if (row.failures >= policy.slowAfter) {
      delayMs = Math.max(delayMs, Math.min(MAX_DELAY_MS, (row.failures - policy.slowAfter + 1) * DELAY_STEP_MS));
    }
  }
  return retryAfter > 0 ? { blocked: true, retryAfter } : { blocked: false, delayMs };
}

export async function recordFailure(db: D1Database, keys: ThrottleKey[], now: number): Promise<void> {
  await db.batch(
    keys.map(({ key, policy }) =>
      db
        .prepare(
          `INSERT INTO login_failures (key, failures, first_failure_at, blocked_until) VALUES (?1, 1, ?2, 0)
           ON CONFLICT (key) DO UPDATE SET
             failures = CASE WHEN first_failure_at <= ?2 - ?3 THEN 1 ELSE failures + 1 END,
             first_failure_at = CASE WHEN first_failure_at <= ?2 - ?3 THEN ?2 ELSE first_failure_at END,
             blocked_until = CASE
               WHEN first_failure_at > ?2 - ?3 AND failures + 1 >= ?4 THEN ?2 + ?5
               ELSE blocked_until END`,
        )
        .bind(key, now, WINDOW_SECONDS, policy.blockAfter, BLOCK_SECONDS),
    ),
  );
}

/** A successful login forgets the account's failures (not the client's: one success must not reset a spray). */
export async function clearAccountFailures(db: D1Database, email: string): Promise<void> {
  await db.prepare('DELETE FROM login_failures WHERE key = ?').bind(`account:${email}`).run();
}
