// Starts the site as `npm start` serves it: `wrangler dev` running the Worker in front of the
// built pages (dist/) and its local R2 archive filled from the build (dist-r2/), with the local
// test-mode payment provider beside it, both pointed at each other. By default on free ports with a freshly seeded local D1 in a temporary folder: the
// journey tests (test/server.ts), the browser tests (test/e2e/) and the benchmarks share that.
// `npm start` (scripts/start.ts) uses it on a fixed port with the project's own local D1.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { archiveIndexPath, manifestIndexPath } from '../src/paywall/contract.ts';
import { settings } from '../src/paywall/settings.ts';
import { ARCHIVE_DIR } from './archive.ts';
import { syncLocalArchive } from './archive-bucket.ts';
import { startTestProvider, type TestAccount, type TestProvider } from './test-provider/index.ts';

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
  /** The local test-mode payment provider the site pays through, unless it was turned off. */
  provider?: TestProvider;
  /** Stops wrangler and the provider, and removes a temporary database. */
  stop(): Promise<void>;
}

export interface LocalSiteOptions {
  /** Extra Worker variables, passed to wrangler as `--var NAME:VALUE`. */
  vars?: Record<string, string>;
  /** Prefix of the temporary folder that holds the local D1. */
  name?: string;
  /** A fixed port instead of a free one. */
  port?: number;
  /** Keep the local D1 here (already migrated and seeded) instead of a fresh temporary one. */
  persistTo?: string;
  /** Run the local test-mode payment provider and point the Worker at it (default true). */
  testProvider?: boolean;
  /** Print wrangler's output as it comes, as `npm start` does. */
  echo?: boolean;
  /** Webhook retry backoff of the provider, in ms. */
  retryBaseMs?: number;
  /**
   * Another build to serve than dist/ and dist-r2/ (its static assets, and the archive's objects
   * that fill the local R2), e.g. one split with another cut-off.
   */
  build?: { dist: string; archive: string };
}

/** The site's payment keys from .dev.vars, as the provider must know them to sign and check. */
function providerAccounts(secrets: Record<string, string | undefined>, siteUrl: string): TestAccount[] {
  const required = (name: string) => {
    const value = secrets[name];
    if (!value) throw new Error(`${name} is missing from .dev.vars; run \`npm run setup\` to add it`);
    return value;
  };
  const webhook = (provider: string) => `${siteUrl}/payments/webhooks/${provider}`;
  return settings.payments.provider === 'stripe'
    ? [{ provider: 'stripe', secretKey: required('STRIPE_SECRET_KEY'), webhookSecret: required('STRIPE_WEBHOOK_SECRET'), webhookUrl: webhook('stripe') }]
    : [
        {
          provider: 'razorpay',
          keyId: required('RAZORPAY_KEY_ID'),
          keySecret: required('RAZORPAY_KEY_SECRET'),
          webhookSecret: required('RAZORPAY_WEBHOOK_SECRET'),
          webhookUrl: webhook('razorpay'),
        },
      ];
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
  const build = options.build ?? { dist: 'dist', archive: ARCHIVE_DIR };
  if (!existsSync(join(build.dist, manifestIndexPath()))) throw new Error('Build the site first: npm run build');
  if (!existsSync(join(build.dist, archiveIndexPath()))) throw new Error('The build was not split for the archive; build with npm run build');
  if (!existsSync('.dev.vars')) throw new Error('Create local secrets first: npm run setup');
  const temporary = options.persistTo === undefined;
  const state = options.persistTo ?? mkdtempSync(join(tmpdir(), `${options.name ?? 'presswall-site'}-`));
  const remove = () => {
    if (temporary) rmSync(state, { recursive: true, force: true });
  };
  try {
    if (temporary) execFileSync(process.execPath, ['scripts/seed-local.ts', '--persist-to', state], { stdio: 'pipe' });
    // The same path as production: the Worker reads the archive from R2, here wrangler dev's own.
    const archive = await syncLocalArchive(state, build.archive);
    if (options.echo) console.log(`Local R2 archive: uploaded ${archive.uploaded}, kept ${archive.kept}, deleted ${archive.deleted} objects.`);
  } catch (error) {
    remove();
    throw error;
  }

  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  let provider: TestProvider | undefined;
  // A local site sends no real email: each one's link is printed and listed at the local outbox.
  const vars: Record<string, string> = { LOCAL_OUTBOX: '1', ...options.vars };
  if (options.testProvider !== false) {
    try {
      provider = await startTestProvider({
        accounts: providerAccounts(parseEnv(readFileSync('.dev.vars', 'utf8')), url),
        ...(options.retryBaseMs ? { retryBaseMs: options.retryBaseMs } : {}),
        log: options.echo ? (line) => console.log(`[test provider] ${line}`) : () => {},
      });
    } catch (error) {
      remove();
      throw error;
    }
    vars['STRIPE_API_URL'] = provider.url;
    vars['RAZORPAY_API_URL'] = provider.url;
  }

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
      ...(options.build ? ['--assets', build.dist] : []),
      '--show-interactive-dev-session=false',
      ...Object.entries(vars).flatMap(([name, value]) => ['--var', `${name}:${value}`]),
    ],
    // Its own process group, so stopping it also stops workerd.
    { env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' }, detached: true },
  );
  if (options.echo) {
    child.stdout?.pipe(process.stdout);
    child.stderr?.pipe(process.stderr);
  }
  const stop = async () => {
    await provider?.stop();
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
  return { url, ...(provider ? { provider } : {}), stop };
}
