// Starts the site as `npm start` serves it: `wrangler dev` running the Worker in front of the
// built pages (dist/), on a free port, with its own freshly seeded local D1 in a temporary folder.
// The journey tests (test/server.ts), the browser tests (test/e2e/) and the page benchmark
// (scripts/bench-pages.ts) share it.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The machine's Chromium (Debian's package; no browser is ever downloaded), for tests and benchmarks. */
export const CHROMIUM_PATH = process.env['CHROME_PATH'] || '/usr/bin/chromium';

/** Headless-friendly flags: no sandbox (containers), no GPU, and no calls home while measuring. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
];

export interface LocalSite {
  /** Where the site answers, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** Stops wrangler and removes the temporary database. */
  stop(): Promise<void>;
}

export interface LocalSiteOptions {
  /** Extra Worker variables, passed to wrangler as `--var NAME:VALUE`. */
  vars?: Record<string, string>;
  /** Prefix of the temporary folder that holds the local D1. */
  name?: string;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function waitUntilReady(child: ChildProcess, log: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`wrangler dev did not start:\n${log.join('')}`)), 90_000);
    const watch = (chunk: Buffer) => {
      log.push(chunk.toString());
      if (log.join('').includes('Ready on')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', watch);
    child.stderr?.on('data', watch);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`wrangler dev exited with ${code}:\n${log.join('')}`));
    });
  });
}

function stopped(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Serves the current build. Run `npm run build` (and `npm run setup` for `.dev.vars`) first. */
export async function startLocalSite(options: LocalSiteOptions = {}): Promise<LocalSite> {
  if (!existsSync('dist/paywall-manifest.json')) throw new Error('Build the site first: npm run build');
  if (!existsSync('.dev.vars')) throw new Error('Create local secrets first: npm run setup');
  const state = mkdtempSync(join(tmpdir(), `${options.name ?? 'konkan-site'}-`));
  const remove = () => rmSync(state, { recursive: true, force: true });
  try {
    execFileSync(process.execPath, ['scripts/seed-local.ts', '--persist-to', state], { stdio: 'pipe' });
  } catch (error) {
    remove();
    throw error;
  }

  const port = await freePort();
  const log: string[] = [];
  const child = spawn(
    process.execPath,
    [
      'node_modules/wrangler/bin/wrangler.js',
      'dev',
      '--port',
      String(port),
      '--ip',
      '127.0.0.1',
      '--persist-to',
      state,
      '--show-interactive-dev-session=false',
      ...Object.entries(options.vars ?? {}).flatMap(([name, value]) => ['--var', `${name}:${value}`]),
    ],
    // Its own process group, so stopping it also stops workerd.
    { env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' }, detached: true },
  );
  const stop = async () => {
    if (child.pid && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // Already gone.
      }
      await stopped(child);
    }
    remove();
  };
  try {
    await waitUntilReady(child, log);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `http://127.0.0.1:${port}`, stop };
}
