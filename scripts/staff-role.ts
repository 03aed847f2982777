// What `npm run staff` does: gives accounts the staff role, which opens the newsroom
// (/newsroom/) to them, lists them, and takes the role back.
import { query, sql, type Target } from './d1.ts';
import { accountId } from './subscribers.ts';

const now = () => Math.floor(Date.now() / 1000);

/**
 * Gives an account the staff role, making the account first if there is none: confirmed (the
 * publisher vouches for a colleague's address) and without a password, so its owner logs in with
 * a link, and may set a password afterwards.
 */
export function addStaff(target: Target, email: string): { created: boolean } {
  const existing = query<{ id: string }>(target, `SELECT id FROM accounts WHERE email = ${sql(email)}`);
  if (existing.length) {
    query(target, `UPDATE accounts SET staff = 1 WHERE id = ${sql(existing[0]!.id)}`);
    return { created: false };
  }
  query(
    target,
    `INSERT INTO accounts (id, email, password_hash, created_at, email_confirmed_at, staff) VALUES (${sql(crypto.randomUUID())}, ${sql(email)}, NULL, ${now()}, ${now()}, 1)`,
  );
  return { created: true };
}

/** Takes the role back. The newsroom checks it on every request, so it closes at once; the account and its sessions stay. */
export function removeStaff(target: Target, email: string): void {
  query(target, `UPDATE accounts SET staff = 0 WHERE id = ${sql(accountId(target, email))}`);
}

export interface StaffRow {
  email: string;
  confirmed: 0 | 1;
  sessions: number;
}

export function listStaff(target: Target): StaffRow[] {
  return query<StaffRow>(
    target,
    `SELECT email, email_confirmed_at IS NOT NULL AS confirmed,
            (SELECT COUNT(*) FROM sessions WHERE account_id = accounts.id AND expires_at > ${now()}) AS sessions
       FROM accounts WHERE staff = 1 ORDER BY email`,
  );
}
