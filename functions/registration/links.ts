import { LOGIN_LINK_MINUTES } from '../../src/paywall/contract.ts';
import { armsFromString, type Assignment } from '../../src/paywall/experiments.ts';
import { attributionFrom, type Attribution } from '../analytics/events.ts';
import { hashToken, newToken } from '../tokens/index.ts';

/**
 * One-time log-in links in D1 (login_links). Only the SHA-256 of a link's token is stored. A link
 * works once, within LOGIN_LINK_MINUTES: using it marks it used in the same statement that checks
 * it, so two uses at once cannot both succeed.
 */

export const LINK_SECONDS = LOGIN_LINK_MINUTES * 60;

export interface LoginLink {
  email: string;
  /** Where the reader goes once logged in. */
  return_to: string;
}

/**
 * A new link for this email, returning to `returnTo`; the token is what goes in the email. The
 * story it was asked for from travels with it, for a registration it may turn into.
 */
export async function createLink(db: D1Database, email: string, returnTo: string, from: Attribution | null, now: number, arms: string | null = null): Promise<string> {
  const { token, hash } = await newToken();
  await db
    .prepare('INSERT INTO login_links (token_hash, email, return_to, created_at, expires_at, story, story_via, arms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
    .bind(hash, email, returnTo, now, now + LINK_SECONDS, from?.story ?? null, from?.via ?? null, arms)
    .run();
  return token;
}

/** What a link is for, and whether it still works, without using it up. */
export async function lookUpLink(db: D1Database, token: string, now: number): Promise<(LoginLink & { usable: 0 | 1 }) | null> {
  return db
    .prepare('SELECT email, return_to, (used_at IS NULL AND expires_at > ?2) AS usable FROM login_links WHERE token_hash = ?1')
    .bind(await hashToken(token), now)
    .first();
}

/**
 * Uses the link: what it was for and the story it was asked for from, or null if it was used
 * already, has expired or never existed.
 */
export async function useLink(db: D1Database, token: string, now: number): Promise<(LoginLink & { from: Attribution | null; arms: Assignment }) | null> {
  const row = await db
    .prepare('UPDATE login_links SET used_at = ?2 WHERE token_hash = ?1 AND used_at IS NULL AND expires_at > ?2 RETURNING email, return_to, story, story_via, arms')
    .bind(await hashToken(token), now)
    .first<LoginLink & { story: string | null; story_via: string | null; arms: string | null }>();
  return row ? { email: row.email, return_to: row.return_to, from: attributionFrom(row.story, row.story_via), arms: armsFromString(row.arms) } : null;
}
