// The speed benchmark: builds the site, serves it as `npm start` does (the Worker in front of the
// built pages, a temporary local D1, the local test-mode payment provider), and runs Lighthouse in
// the machine's Chromium on the front page, a free story in full, a story behind the wall, a plan
// page, after buying a subscription with the test card the checkout return page and the account
// page, and the newsroom as the demo member of staff sees it. It prints numbers; it passes or
// fails nothing. Targets: 100 in all four
// categories, under 50 KB transferred for a story before images, and no client JavaScript that a
// form can do without.
//
//   npm run bench:pages                 # Lighthouse's default: a mid-range phone on a slow 4G link
//   npm run bench:pages -- --desktop    # Lighthouse's desktop settings
//   npm run bench:pages -- --no-build   # measure the current dist/ as it is
//
// CHROME_PATH chooses the browser (default /usr/bin/chromium).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { launch, type LaunchedChrome } from 'chrome-launcher';
import lighthouse, { desktopConfig, type Result } from 'lighthouse';
import { parseEnv } from 'node:util';
import { PAGES } from '../src/paywall/contract.ts';
import { readWholeManifest } from '../src/paywall/manifest.ts';
import { plansFile } from '../src/paywall/plans.ts';
import { settings } from '../src/paywall/settings.ts';
import { DEMO_STAFF } from './demo-accounts.ts';
import { CHROMIUM_ARGS, CHROMIUM_PATH, startLocalSite, type LocalSite } from './local-site.ts';

const { values } = parseArgs({
  options: { desktop: { type: 'boolean', default: false }, 'no-build': { type: 'boolean', default: false } },
});

const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'] as const;

interface Measured {
  name: string;
  path: string;
  scores: Record<(typeof CATEGORIES)[number], number>;
  transferred: number;
  beforeImages: number;
  uncompressed: number;
  scriptTransferred: number;
  requests: number;
  lcp: number;
  cls: number;
}

interface NetworkRequest {
  url: string;
  resourceType?: string;
  transferSize?: number;
  resourceSize?: number;
}

function run(args: string[], env: Record<string, string> = {}): void {
  try {
    execFileSync(process.execPath, args, { stdio: 'pipe', env: { ...process.env, ...env } });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: Buffer; stderr?: Buffer };
    process.stderr.write(`${stdout}${stderr}`);
    throw new Error(`node ${args.join(' ')} failed`);
  }
}

interface PageToMeasure {
  name: string;
  path: string;
  /** The reader's cookies (name, value), for pages only a subscriber or staff see. */
  cookies?: [string, string][];
}

/** The pages to measure, chosen from the build's manifest: no slug is written down here. */
async function pagesToMeasure(): Promise<PageToMeasure[]> {
  const manifest = await readWholeManifest(async (path) => JSON.parse(readFileSync(`dist${path}`, 'utf8')));
  const free = manifest.stories.find((story) => story.access === 'free');
  // A premium story: Lighthouse's browser has no session, so it always gets the teaser and wall.
  const walled = manifest.stories.find((story) => story.access === 'premium');
  if (!free || !walled) throw new Error('The build has no free or no premium story to measure');
  return [
    { name: 'Front page', path: '/' },
    { name: 'Story in full (free)', path: free.path },
    { name: 'Story with the wall (premium)', path: walled.path },
    { name: 'Plan page', path: `/subscribe/${plansFile.highlighted ?? plansFile.plans[0]!.id}/` },
  ];
}

/**
 * Buys a subscription as a new reader would, over HTTP with the test card, and returns the pages
 * only that reader sees, with their cookies: the checkout return and the account page.
 */
async function subscriberPages(site: LocalSite): Promise<PageToMeasure[]> {
  const secrets = parseEnv(readFileSync('.dev.vars', 'utf8'));
  const key = settings.payments.provider === 'stripe' ? secrets['STRIPE_SECRET_KEY'] : secrets['RAZORPAY_KEY_ID'];
  const jar = new Map<string, string>();
  const send = async (path: string, init: RequestInit = {}) => {
    const response = await fetch(new URL(path, site.url), { ...init, redirect: 'manual', headers: { ...init.headers, Cookie: [...jar].map(([n, v]) => `${n}=${v}`).join('; ') } });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = ''] = cookie.split(';');
      jar.set(pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1));
    }
    return response;
  };
  const plan = plansFile.highlighted ?? plansFile.plans[0]!.id;
  const started = await send('/subscribe/', {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: site.url },
    body: new URLSearchParams({ plan, return: '/account/' }).toString(),
  });
  const checkout = (started.headers.get('Location') ?? (await started.text())).match(/cs_test_\w+|sub_\w+/)?.[0];
  if (!checkout) throw new Error('Could not start a checkout to measure the subscriber pages');
  const pay = await fetch(`${site.provider!.url}/_control/checkouts/${checkout}/pay?key=${encodeURIComponent(key ?? '')}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: `bench-${Date.now()}@example.com`, contact: '+919800000000' }),
  });
  if (!pay.ok) throw new Error(`The test card did not pay: ${await pay.text()}`);
  const back = `/subscribe/return/?checkout=${checkout}`;
  await send(back);
  const cookies = [...jar];
  return [
    { name: 'Checkout return', path: back, cookies },
    { name: 'Account page', path: '/account/', cookies },
  ];
}

/** The newsroom, as the demo member of staff sees it after logging in with their password. */
async function staffPages(site: LocalSite): Promise<PageToMeasure[]> {
  const response = await fetch(new URL(PAGES.login, site.url), {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: site.url },
    body: new URLSearchParams({ email: DEMO_STAFF.email, password: DEMO_STAFF.password, return: PAGES.newsroom }).toString(),
  });
  const cookies = response.headers.getSetCookie().map((line): [string, string] => {
    const [pair = ''] = line.split(';');
    return [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)];
  });
  if (response.status !== 303 || !cookies.length) throw new Error(`The demo member of staff could not log in (${response.status})`);
  return [{ name: 'Newsroom (staff)', path: PAGES.newsroom, cookies }];
}

/**
 * Puts these cookies in the browser for the site, through the DevTools protocol. Chromium
 * ignores a Cookie header given to Lighthouse as an extra header, so a page for one reader would
 * be measured as a visitor sees it.
 */
async function setBrowserCookies(port: number, origin: string, cookies: [string, string][]): Promise<void> {
  if (!cookies.length) return;
  const { webSocketDebuggerUrl } = (await (await fetch(`http://127.0.0.1:${port}/json/version`)).json()) as { webSocketDebuggerUrl: string };
  const socket = new WebSocket(webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    socket.onopen = resolve;
    socket.onerror = () => reject(new Error(`Could not reach Chromium's DevTools at ${webSocketDebuggerUrl}`));
  });
  let lastId = 0;
  const call = (method: string, params: object) =>
    new Promise<void>((resolve, reject) => {
      const id = ++lastId;
      const onMessage = (event: MessageEvent) => {
        const reply = JSON.parse(String(event.data)) as { id?: number; error?: { message: string } };
        if (reply.id !== id) return;
        socket.removeEventListener('message', onMessage);
        if (reply.error) reject(new Error(`${method}: ${reply.error.message}`));
        else resolve();
      };
      socket.addEventListener('message', onMessage);
      socket.send(JSON.stringify({ id, method, params }));
    });
  try {
    await call('Storage.setCookies', { cookies: cookies.map(([name, value]) => ({ name, value, url: origin, httpOnly: true, secure: true, sameSite: 'Lax' })) });
  } finally {
    socket.close();
  }
}

function measured(name: string, path: string, lhr: Result): Measured {
  const score = (id: (typeof CATEGORIES)[number]) => Math.round((lhr.categories[id]?.score ?? 0) * 100);
  const details = lhr.audits['network-requests']?.details as { items?: NetworkRequest[] } | undefined;
  const requests = details?.items ?? [];
  const sum = (items: NetworkRequest[], field: 'transferSize' | 'resourceSize') =>
    items.reduce((total, item) => total + (item[field] ?? 0), 0);
  const scripts = requests.filter((item) => item.resourceType === 'Script');
  return {
    name,
    path,
    scores: Object.fromEntries(CATEGORIES.map((id) => [id, score(id)])) as Measured['scores'],
    transferred: lhr.audits['total-byte-weight']?.numericValue ?? sum(requests, 'transferSize'),
    beforeImages: sum(requests.filter((item) => item.resourceType !== 'Image'), 'transferSize'),
    uncompressed: sum(requests, 'resourceSize'),
    scriptTransferred: sum(scripts, 'transferSize'),
    requests: requests.length,
    lcp: lhr.audits['largest-contentful-paint']?.numericValue ?? NaN,
    cls: lhr.audits['cumulative-layout-shift']?.numericValue ?? NaN,
  };
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const line = (row: string[]) => `| ${row.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
  return [line(rows[0]!), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}

async function main() {
  const formFactor = values.desktop ? 'desktop' : 'mobile';
  if (!values['no-build']) {
    console.log('Building the site (astro build)…');
    run(['scripts/dev-vars.ts']);
    run(['node_modules/astro/bin/astro.mjs', 'build'], { ASTRO_TELEMETRY_DISABLED: '1' });
  }
  const pages = await pagesToMeasure();

  let site: LocalSite | undefined;
  let chrome: LaunchedChrome | undefined;
  const results: Measured[] = [];
  let browser = '';
  let lighthouseVersion = '';
  try {
    console.log('Starting the site (wrangler dev, local D1)…');
    site = await startLocalSite({ name: 'presswall-bench' });
    pages.push(...(await subscriberPages(site)), ...(await staffPages(site)));
    for (const page of pages) {
      console.log(`Lighthouse (${formFactor}): ${page.path}`);
      // A browser of its own per page (chrome-launcher gives each a new profile): an empty cache and
      // exactly this reader's cookies, which Lighthouse is then told not to clear.
      chrome?.kill();
      chrome = await launch({ chromePath: CHROMIUM_PATH, chromeFlags: ['--headless=new', ...CHROMIUM_ARGS] });
      const version = (await (await fetch(`http://127.0.0.1:${chrome.port}/json/version`)).json()) as { Browser?: string };
      browser = version.Browser ?? 'Chromium';
      await setBrowserCookies(chrome.port, site.url, page.cookies ?? []);
      const result = await lighthouse(
        new URL(page.path, site.url).href,
        {
          port: chrome.port,
          output: 'json',
          logLevel: 'error',
          onlyCategories: [...CATEGORIES],
          disableStorageReset: true,
        },
        values.desktop ? desktopConfig : undefined,
      );
      if (!result) throw new Error(`Lighthouse returned nothing for ${page.path}`);
      const { lhr } = result;
      if (lhr.runtimeError) throw new Error(`Lighthouse failed on ${page.path}: ${lhr.runtimeError.message}`);
      // A page for one reader that answers 404 or sends its reader elsewhere would be measured as another page.
      if (lhr.audits['http-status-code']?.score === 0) throw new Error(`${page.path} answered an error status to Lighthouse`);
      if (new URL(lhr.finalDisplayedUrl).pathname !== new URL(page.path, site.url).pathname) throw new Error(`${page.path} ended at ${lhr.finalDisplayedUrl}`);
      results.push(measured(page.name, page.path, lhr));
      lighthouseVersion = lhr.lighthouseVersion;
      // Audits that count towards a score and did not get full marks, so a drop says why.
      const weighted = new Set(
        Object.values(lhr.categories).flatMap((category) => category.auditRefs.filter((ref) => ref.weight > 0).map((ref) => ref.id)),
      );
      for (const audit of Object.values(lhr.audits)) {
        if (weighted.has(audit.id) && audit.score !== null && audit.score < 1) {
          console.log(`  below full marks: ${audit.id} (${audit.score}) ${audit.displayValue ?? ''}`);
        }
      }
    }
  } finally {
    chrome?.kill();
    await site?.stop();
  }

  console.log(
    `\n${new Date().toISOString()} · Lighthouse ${lighthouseVersion}, ${formFactor} settings · ${browser} · ${cpus().length} CPU cores · Node ${process.version}\n`,
  );
  console.log(
    table([
      ['Page', 'Performance', 'Accessibility', 'Best practices', 'SEO', 'Transferred', 'Before images', 'Uncompressed', 'Client JS', 'Requests', 'LCP', 'CLS'],
      ...results.map((row) => [
        `${row.name} ${row.path}`,
        String(row.scores.performance),
        String(row.scores.accessibility),
        String(row.scores['best-practices']),
        String(row.scores.seo),
        kb(row.transferred),
        kb(row.beforeImages),
        kb(row.uncompressed),
        `${row.scriptTransferred} B`,
        String(row.requests),
        `${(row.lcp / 1000).toFixed(2)} s`,
        row.cls.toFixed(3),
      ]),
    ]),
  );
}

await main();
