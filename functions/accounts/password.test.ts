import { describe, expect, it } from 'vitest';
import { hashPassword, ITERATIONS_PER_ROUND, needsRehash, verifyPassword } from './password.ts';

describe('passwords', async () => {
  const stored = await hashPassword('correct horse battery staple');

  it('verifies the right password and refuses a wrong one', async () => {
    expect(await verifyPassword('correct horse battery staple', stored)).toBe(true);
    expect(await verifyPassword('correct horse battery stapler', stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
  });

  it('salts every hash', async () => {
    expect(await hashPassword('same')).not.toBe(await hashPassword('same'));
  });

  it('records its cost, within what Cloudflare lets one PBKDF2 call do', () => {
    expect(stored).toMatch(/^pbkdf2-sha256\$6x100000\$/);
    expect(ITERATIONS_PER_ROUND).toBeLessThanOrEqual(100_000);
    expect(needsRehash(stored)).toBe(false);
  });

  it('keeps verifying hashes made with a lower cost, and says they need rehashing', async () => {
    const [, , salt] = stored.split('$');
    // Build a 1-round hash by hand and check that verification honours its recorded cost.
    const key = await crypto.subtle.importKey('raw', new TextEncoder().encode('pw'), 'PBKDF2', false, ['deriveBits']);
    const saltBytes = Uint8Array.from(atob(salt!.replaceAll('-', '+').replaceAll('_', '/')), (c) => c.charCodeAt(0));
    const bits = new Uint8Array(await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt: saltBytes, iterations: 1000 }, key, 256));
    const digest = btoa(String.fromCharCode(...bits)).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
    const old = `pbkdf2-sha256$1x1000$${salt}$${digest}`;
    expect(await verifyPassword('pw', old)).toBe(true);
    expect(needsRehash(old)).toBe(true);
  });

  it.each([
    ['an unknown scheme', 'bcrypt$2b$10$abc'],
    ['more iterations per round than the runtime allows', stored.replace('6x100000', '6x200000')],
    ['too many rounds', stored.replace('6x100000', '99x100000')],
    ['garbage', 'garbage'],
  ])('refuses to verify against %s', async (_, hash) => {
    expect(await verifyPassword('correct horse battery staple', hash)).toBe(false);
  });

  it('matches no password when there is no hash', async () => {
    expect(await verifyPassword('', null)).toBe(false);
  });
});
