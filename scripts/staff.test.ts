import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations, query, type Target } from './d1.ts';

// `npm run staff` as an administrator runs it, on a local database of the test's own.
let state: string;
let target: Target;
beforeAll(() => {
  state = mkdtempSync(join(tmpdir(), 'presswall-staff-'));
  target = { persistTo: state };
  applyMigrations(target);
}, 120_000);
afterAll(() => rmSync(state, { recursive: true, force: true }));

function staff(...args: string[]): { status: number; output: string } {
  try {
    return { status: 0, output: execFileSync(process.execPath, ['scripts/staff.ts', ...args, '--persist-to', state], { encoding: 'utf8', stdio: 'pipe' }) };
  } catch (error) {
    const { status, stdout, stderr } = error as { status: number; stdout: string; stderr: string };
    return { status, output: `${stdout}${stderr}` };
  }
}

const roleOf = (email: string) => query<{ staff: number; confirmed: number; password: number }>(
  target,
  `SELECT staff, email_confirmed_at IS NOT NULL AS confirmed, password_hash IS NOT NULL AS password FROM accounts WHERE email = '${email}'`,
)[0];

describe('npm run staff', () => {
  it('gives the role to an existing account and keeps its password', () => {
    query(target, "INSERT INTO accounts (id, email, password_hash, created_at, email_confirmed_at) VALUES ('a1', 'editor@example.com', 'x', 1, 1)");
    expect(staff('add', 'Editor@Example.com').status).toBe(0);
    expect(roleOf('editor@example.com')).toEqual({ staff: 1, confirmed: 1, password: 1 });
  }, 60_000);

  it('makes a confirmed account without a password for an address that has none, to log in with a link', () => {
    const { status, output } = staff('add', 'desk@example.com');
    expect(status).toBe(0);
    expect(output).toContain('log in with a link');
    expect(roleOf('desk@example.com')).toEqual({ staff: 1, confirmed: 1, password: 0 });
  }, 60_000);

  it('lists staff only, and takes the role back', () => {
    query(target, "INSERT INTO accounts (id, email, password_hash, created_at) VALUES ('a3', 'reader@example.com', NULL, 1)");
    expect(staff('list').output.split('\n').filter(Boolean).map((line) => line.split('\t')[0])).toEqual(['desk@example.com', 'editor@example.com']);
    expect(staff('remove', 'editor@example.com').status).toBe(0);
    expect(roleOf('editor@example.com')?.staff).toBe(0);
    expect(staff('list').output).not.toContain('editor@example.com');
  }, 60_000);

  it('says what is wrong, with the usage, for an unknown account, a bad address or command', () => {
    expect(staff('remove', 'nobody@example.com')).toMatchObject({ status: 2, output: expect.stringContaining('There is no account for nobody@example.com') });
    expect(staff('add', 'not-an-address')).toMatchObject({ status: 2, output: expect.stringContaining('is not an email address') });
    expect(staff('promote', 'desk@example.com')).toMatchObject({ status: 2, output: expect.stringContaining('Usage:') });
  }, 60_000);
});
