import type { Context } from 'hono';
import { PAGES } from '../../src/paywall/contract.ts';
import type { AppEnv } from '../env.ts';
import { readForm } from '../forms/index.ts';
import { escapeHtml, safePage } from '../pages/index.ts';
import { hashPassword, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, verifyPassword } from './password.ts';
import { unconfirmed } from './confirmation.ts';
import { safeReturnPath } from './return-path.ts';
import { findSession, updatePasswordHash } from './store.ts';
import { countAttempt, countFailure, forgiveAttempt, throttleKeys } from './throttle.ts';

function refused(status: 400 | 401 | 429, message: string): Response {
  return safePage(status, message, { detail: `Nothing was changed. <a href="${escapeHtml(PAGES.account)}">Back to your account</a>.` });
}

/**
 * Sets a password on an account that has none (one made by a log-in link, or by a purchase once
 * its email is proven), or changes it given the current one. Changing it ends the account's
 * other sessions, as a reader expects after a leak.
 */
export async function savePassword(c: Context<AppEnv>): Promise<Response> {
  const sessionId = c.get('session')?.id;
  const now = Math.floor(Date.now() / 1000);
  const record = sessionId ? await findSession(c.env.DB, sessionId, now) : null;
  if (!sessionId || !record) return c.redirect(`${PAGES.login}?return=${encodeURIComponent(PAGES.account)}`, 303);
  const refusal = unconfirmed(record, 'set a password');
  if (refusal) return refusal;

  const form = await readForm(c, 'password');
  if (form instanceof Response) return form;
  const password = form['password'] ?? '';
  if (password.length < MIN_PASSWORD_LENGTH || password.length > MAX_PASSWORD_LENGTH) {
    return refused(400, `Choose a password of ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters.`);
  }
  const db = c.env.DB;
  if (record.has_password) {
    const keys = throttleKeys(record.email, c.req.header('CF-Connecting-IP'));
    const verdict = await countAttempt(db, keys, now);
    if (verdict.blocked) return refused(429, 'Too many wrong passwords. For your security, changing it is paused for a while.');
    const stored = await db.prepare('SELECT password_hash FROM accounts WHERE id = ?').bind(record.account_id).first<string>('password_hash');
    if (!(await verifyPassword(form['current'] ?? '', stored))) {
      await countFailure(db, keys, now);
      return refused(401, 'Your current password is not right.');
    }
    await forgiveAttempt(db, keys);
    await db.batch([
      db.prepare('UPDATE accounts SET password_hash = ? WHERE id = ?').bind(await hashPassword(password), record.account_id),
      db.prepare('DELETE FROM sessions WHERE account_id = ? AND id != ?').bind(record.account_id, sessionId),
    ]);
  } else {
    await updatePasswordHash(db, record.account_id, await hashPassword(password));
  }
  return c.redirect(safeReturnPath(form['return'], PAGES.account), 303);
}
