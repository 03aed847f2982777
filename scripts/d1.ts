// Runs SQL against the accounts database with `wrangler d1 execute`: the local SQLite file by
// default, the production database with { remote: true }.
import { execFileSync } from 'node:child_process';

export interface Target {
  remote?: boolean;
  /** Where the local database lives; wrangler's default (.wrangler/state) when unset. */
  persistTo?: string;
}

/** The database an admin command's options name: `--remote`, or the local one (`--persist-to <dir>`). */
export function targetOf(options: { remote?: boolean | undefined; 'persist-to'?: string | undefined }): Target {
  return { remote: options.remote ?? false, ...(options['persist-to'] ? { persistTo: options['persist-to'] } : {}) };
}

// Run wrangler on this Node (the project's Node 22), whatever `node` is first on the PATH.
const WRANGLER = new URL('../node_modules/wrangler/bin/wrangler.js', import.meta.url).pathname;

function where(target: Target): string[] {
  if (target.remote) return ['--remote'];
  return ['--local', ...(target.persistTo ? ['--persist-to', target.persistTo] : [])];
}

function wrangler(args: string[]): string {
  try {
    return execFileSync(process.execPath, [WRANGLER, ...args], {
      encoding: 'utf8',
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', CI: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`wrangler ${args.slice(0, 3).join(' ')} failed:\n${stderr || stdout}`);
  }
}

/** A SQL string literal. Inputs are validated before they get here; this keeps quotes harmless anyway. */
export function sql(value: string | number): string {
  return typeof value === 'number' ? String(Math.trunc(value)) : `'${value.replaceAll("'", "''")}'`;
}

/** Runs statements and returns the rows of the last one. */
export function query<Row>(target: Target, statements: string): Row[] {
  const output = wrangler(['d1', 'execute', 'DB', ...where(target), '--json', '--command', statements]);
  const results = JSON.parse(output) as { results: Row[] }[];
  return results.at(-1)?.results ?? [];
}

export function applyMigrations(target: Target): void {
  wrangler(['d1', 'migrations', 'apply', 'DB', ...where(target)]);
}
