/**
 * Slows and refuses repeated failed logins, with the counts in D1 so every edge location sees the
 * same numbers. Two keys per login, after OWASP ASVS (growing delays rather than locking the
 * account):
 * - the account, which its owner shares with anyone who types their email: others' wrong
 *   passwords must never lock the owner out, so it only counts failures and only slows;
 * - the client address, which is the guesser's own: it counts each attempt as it arrives (so
 *   guesses sent in parallel cannot all pass a check made before any is counted), a right
 *   password takes its attempt back, and too many failures refuse it.
 * Requests for log-in links are counted under their own keys, each as it arrives, so a flood of
 * emails to one address, or from one client, is refused.
 *
 * A key's count covers WINDOW_SECONDS from its first entry; a refusal ends with that window.
 */

export interface ThrottlePolicy {
  /** Counts after which each further attempt waits, longer with each count. */
  slowAfter: number;
  /** Counts after which the key is refused until its window ends; null: never refused. */
  blockAfter: number | null;
  /** "arrival": each attempt counts before its password is checked; "failure": only a wrong one. */
  counts: 'arrival' | 'failure';
}

export const POLICIES = {
  account: { slowAfter: 3, blockAfter: null, counts: 'failure' },
  client: { slowAfter: 10, blockAfter: 20, counts: 'arrival' },
  // Log-in links: a few to one address, more from one client (a household, an office), no waiting.
  linkEmail: { slowAfter: 5, blockAfter: 5, counts: 'arrival' },
  linkClient: { slowAfter: 30, blockAfter: 30, counts: 'arrival' },
} satisfies Record<string, ThrottlePolicy>;

/** Counts older than this are forgotten, and a refusal ends with it. */
export const WINDOW_SECONDS = 15 * 60;
const DELAY_STEP_MS = 500;
/** The longest a request waits, so that even a slowed one answers within seconds. */
export const MAX_DELAY_MS = 3000;

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
 * Adds one to a key's count in a single statement, starting a new window once the last has
 * passed, and marks the key refused until the end of its window once the count passes blockAfter.
 */
function increment(db: D1Database, { key, policy }: ThrottleKey, now: number): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO login_failures (key, failures, first_failure_at, blocked_until) VALUES (?1, 1, ?2, 0)
       ON CONFLICT (key) DO UPDATE SET
         failures = CASE WHEN first_failure_at <= ?2 - ?3 AND blocked_until <= ?2 THEN 1 ELSE failures + 1 END,
         first_failure_at = CASE WHEN first_failure_at <= ?2 - ?3 AND blocked_until <= ?2 THEN ?2 ELSE first_failure_at END,
         blocked_until = CASE
           WHEN blocked_until > ?2 THEN blocked_until
           WHEN first_failure_at > ?2 - ?3 AND failures + 1 > ?4 THEN first_failure_at + ?3
           ELSE blocked_until END
       RETURNING failures, blocked_until`,
    )
    .bind(key, now, WINDOW_SECONDS, policy.blockAfter);
}

/**
 * Before a password is checked (or a link sent): counts the attempt against each key that counts
 * arrivals, reads the others, and says how long to wait first, or that the attempt is refused.
 */
export async function countAttempt(db: D1Database, keys: ThrottleKey[], now: number): Promise<Verdict> {
  const results = await db.batch<Counted>(
    keys.map((throttle) =>
      throttle.policy.counts === 'arrival'
        ? increment(db, throttle, now)
        : db
            .prepare('SELECT failures, blocked_until FROM login_failures WHERE key = ?1 AND first_failure_at > ?2 - ?3')
            .bind(throttle.key, now, WINDOW_SECONDS),
    ),
  );
  let delayMs = 0;
  let retryAfter = 0;
  results.forEach((result, index) => {
    const row = result.results[0];
    if (!row) return;
    const { policy } = keys[index]!;
    if (policy.blockAfter !== null && row.blocked_until > now) retryAfter = Math.max(retryAfter, row.blocked_until - now);
    // Earlier counts, not this attempt.
    const earlier = policy.counts === 'arrival' ? row.failures - 1 : row.failures;
    if (earlier >= policy.slowAfter) {
      delayMs = Math.max(delayMs, Math.min(MAX_DELAY_MS, (earlier - policy.slowAfter + 1) * DELAY_STEP_MS));
    }
  });
  return retryAfter > 0 ? { blocked: true, retryAfter } : { blocked: false, delayMs };
}

/** After a wrong password: counts it against the keys that count only failures. */
export async function countFailure(db: D1Database, keys: ThrottleKey[], now: number): Promise<void> {
  await db.batch(keys.filter(({ policy }) => policy.counts === 'failure').map((throttle) => increment(db, throttle, now)));
}

/**
 * After the right password: forgets the account's failures and takes back this attempt from the
 * client's count (one success must not wipe out a client's record of guessing at other accounts).
 */
export async function forgiveAttempt(db: D1Database, keys: ThrottleKey[]): Promise<void> {
  await db.batch(
    keys.map(({ key, policy }) =>
      policy.counts === 'failure'
        ? db.prepare('DELETE FROM login_failures WHERE key = ?').bind(key)
        : db.prepare('UPDATE login_failures SET failures = MAX(failures - 1, 0) WHERE key = ?').bind(key),
    ),
  );
}
