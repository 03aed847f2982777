import { generateCookie } from 'hono/cookie';
import { SESSION_COOKIE } from './index.ts';

// Host-only (no Domain), HTTPS-only, out of reach of scripts, and not sent on cross-site POSTs.
const ATTRIBUTES = { path: '/', httpOnly: true, secure: true, sameSite: 'Lax' } as const;

export function sessionCookie(token: string, maxAge: number): string {
  return generateCookie(SESSION_COOKIE, token, { ...ATTRIBUTES, maxAge });
}

export function clearedSessionCookie(): string {
  return generateCookie(SESSION_COOKIE, '', { ...ATTRIBUTES, maxAge: 0 });
}
