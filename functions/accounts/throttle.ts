/**
 * Slows and then refuses repeated failed logins, per account and per client address, with the
 * counts in D1 so every edge location sees the same numbers. Requests for log-in links are
 * counted the same way, under their own keys, so a flood of emails to one address, or from one
 * client, is refused.
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
  // Log-in links: a few to one address, more from one client (a household, an office), no waiting.
  linkEmail: { slowAfter: 5, blockAfter: 5 },
  linkClient: { slowAfter: 30, blockAfter: 30 },
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

/** Each request for a log-in link counts, whether or not the address has an account. */
export function linkThrottleKeys(email: string, client: string | undefined): ThrottleKey[] {
  return [
    { key: `link-email:${email}`, policy: POLICIES.linkEmail },
    ...(client ? [{ key: `link-client:${client}`, policy: POLICIES.linkClient }] : []),
  ];
}

export type Verdict = { blocked: false; delayMs: number } | { blocked: true; retryAfter: number };

interface Counted {
  failures: number;
  blocked_until: number;
}

/**
 * Counts this login attempt against each key before the password is checked, in one statement per
 * key, so that attempts sent in parallel cannot all pass a check made before any of them is
 * recorded. A successful login takes its attempt back (see `forgiveAttempt`).
 */
export async function countAttempt(db: D1Database, keys: ThrottleKey[], now: number): Promise<Verdict> {
  const results = await db.batch<Counted>(
    keys.map(({ key, policy }) =>
      db
        .prepare(
          `INSERT INTO login_failures (key, failures, first_failure_at, blocked_until) VALUES (?1, 1, ?2, 0)
           ON CONFLICT (key) DO UPDATE SET
             failures = CASE WHEN first_failure_at <= ?2 - ?3 AND blocked_until <= ?2 THEN 1 ELSE failures + 1 END,
             first_failure_at = CASE WHEN first_failure_at <= ?2 - ?3 AND blocked_until <= ?2 THEN ?2 ELSE first_failure_at END,
             blocked_until = CASE
               WHEN blocked_until > ?2 THEN blocked_until
               WHEN first_failure_at > ?2 - ?3 AND failures + 1 > ?4 THEN ?2 + ?5
               ELSE blocked_until END
           RETURNING failures, blocked_until`,
        )
        .bind(key, now, WINDOW_SECONDS, policy.blockAfter, BLOCK_SECONDS),
    ),
  );
  let delayMs = 0;
  let retryAfter = 0;
  results.forEach((result, index) => {
    const row = result.results[0];
    if (!row) return;
    if (row.blocked_until > now) retryAfter = Math.max(retryAfter, row.blocked_until - now);
    // Earlier failures, not counting this attempt.
    const earlier = row.failures - 1;
    const { policy } = keys[index]!;
    if (earlier >= policy.slowAfter) {
      delayMs = Math.max(delayMs, Math.min(MAX_DELAY_MS, (earlier - policy.slowAfter + 1) * DELAY_STEP_MS));
    }
  });
  return retryAfter > 0 ? { blocked: true, retryAfter } : { blocked: false, delayMs };
}

/**
 * A successful login forgets the account's failures and takes back its own attempt from the
 * client's count (one success must not wipe out a client's record of guessing at other accounts).
 */
export async function forgiveAttempt(db: D1Database, keys: ThrottleKey[]): Promise<void> {
  await db.batch(
    keys.map(({ key, policy }) =>
      policy === POLICIES.account
        ? db.prepare('DELETE FROM login_failures WHERE key = ?').bind(key)
        : db.prepare('UPDATE login_failures SET failures = MAX(failures - 1, 0) WHERE key = ?').bind(key),
    ),
  );
}
