// The edge benchmark (issue: archive scale). Serves a build as `npm start` does (`wrangler dev`:
// the Worker in front of dist/, with a fresh local D1) and measures throughput with wrk, side by
// side in one run, for: a CSS asset through the Worker, a free story, a premium story's teaser
// (anonymous), a metered story re-read (a meter cookie that already holds it), the same premium
// story read by a subscriber (a session cookie from `npm run token`), a listing page, and an old
// premium story whose public page is in the R2 archive too (src/paywall/archive.ts), as its teaser
// and for a subscriber. Every full text is read from R2 (local R2 under wrangler dev). Stories
// come from the build's manifest. Each path is reported as requests/second and as a ratio to the
// asset, which goes through the same Worker, so the ratio is the paywall's cost. The demo site is
// served three times: as deployed (live-mode keys, counting on), with the newsroom's counting off
// (COUNTING=off), and in test mode (test keys, as `npm start` serves it: a banner on every page),
// so the cost of each shows side by side. It prints numbers; nothing passes or fails.
//
//   npm run setup && npm run build       # the demo site: the benchmark serves dist/ as it is
//   npm run bench:edge                    # the demo site alone
//   npm run bench:edge -- --stories 10000 # and, side by side, a generated 10,000-story archive
//   npm run bench:edge -- --rounds 7 --duration 5 --connections 32 --threads 2
//
// The Worker runs as deployed with live payment keys: placeholder live-format keys (which never
// reach a provider: no measured path pays), so pages carry no test-mode banner. The test-mode
// column runs the same build with the test keys of .dev.vars. No payment provider is started.
//
// If no old premium story of a build is in the archive (the demo's stories are all recent), the
// benchmark serves a copy of that build split again with a cut-off that puts the oldest one there.
//
// With --stories N it generates an N-story archive (as `npm run bench:build` does) in a scratch
// copy of the project, builds it, and serves both sites at once; the rounds alternate between
// sites and paths, so noise on a shared machine falls on all of them alike, and each figure is
// the median of the rounds. It needs wrk (Debian/Ubuntu: apt-get install -y wrk).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { meterSecrets, monthOf, signMeter } from '../functions/meter/index.ts';
import { archiveIndexPath, archiveShardPath, COOKIES, LOCKED_PART_CLASS, HOOKS, manifestIndexPath } from '../src/paywall/contract.ts';
import type { ArchiveIndex, ArchiveShard } from '../src/paywall/archive.ts';
import { ARCHIVE_DIR, splitArchive, unsplitCopy } from './archive.ts';
import { readWholeManifest, type ManifestStory } from '../src/paywall/manifest.ts';
import { settings } from '../src/paywall/settings.ts';
import { buildProject } from './bench/builds.ts';
import { writeCorpus } from './bench/corpus.ts';
import { ratio, seconds, table } from './bench/measure.ts';
import { benchOptions } from './bench/options.ts';
import { copyProject, removeDir, ROOT, scratchDir, STORIES } from './bench/scratch.ts';
import { startLocalSite, type LocalSite } from './local-site.ts';

const USAGE =
  'Usage: npm run bench:edge -- [--stories N] [--rounds N] [--duration SECONDS] [--connections N] [--threads N] [--keep]';

const OPTIONS = {
  stories: { type: 'string' },
  rounds: { type: 'string', default: '5' },
  duration: { type: 'string', default: '5' },
  connections: { type: 'string', default: '32' },
  threads: { type: 'string', default: '2' },
  seed: { type: 'string', default: '1' },
  keep: { type: 'boolean', default: false },
} as const;

const { values, whole } = benchOptions(OPTIONS, USAGE);
const stories = values.stories === undefined ? undefined : whole('stories', values.stories, 1);
const rounds = whole('rounds', values.rounds, 1);
const duration = whole('duration', values.duration, 1);
const connections = whole('connections', values.connections, 1);
const threads = whole('threads', values.threads, 1);

if (spawnSync('wrk', ['--version']).error) {
  console.error('wrk is not installed. On Debian or Ubuntu: apt-get install -y wrk (macOS: brew install wrk).');
  process.exit(1);
}

/** Placeholder keys in the live format, so the Worker is not in test mode; no measured path uses them. */
const LIVE_LOOKING_KEYS = { STRIPE_SECRET_KEY: 'sk_live_benchmark_placeholder', RAZORPAY_KEY_ID: 'rzp_live_benchmark_placeholder' };

interface Target {
  name: string;
  path: string;
  cookie?: string;
  /** What the response must look like, so a misconfigured run cannot pass for a fast one. */
  check: (response: Response, body: string) => string | undefined;
}

interface Site {
  name: string;
  dir: string;
  /** Worker variables of this site's run on top of the payment keys, e.g. counting off. */
  vars?: Record<string, string>;
  /** Served with the test keys of .dev.vars (a banner on every page) instead of live-mode ones. */
  testMode?: boolean;
  /** A split of the build other than dir/dist and dir/dist-r2, made so an old story is in the archive. */
  build?: { dist: string; archive: string };
  /** The old story served from the archive. */
  old?: ManifestStory;
  stories: number;
  manifestBytes: number;
  local?: LocalSite;
  targets: Target[];
}

type Manifest = Awaited<ReturnType<typeof readWholeManifest>>;

/** A build's whole manifest, and the most a fresh isolate reads of it for one story: the index and the largest shard. */
async function readManifest(dir: string): Promise<{ manifest: Manifest; bytes: number }> {
  if (!existsSync(join(dir, 'dist', manifestIndexPath()))) throw new Error(`${dir} has no build. Run: npm run setup && npm run build`);
  const sizes: number[] = [];
  const manifest = await readWholeManifest(async (path) => {
    const text = readFileSync(join(dir, 'dist', path), 'utf8');
    sizes.push(Buffer.byteLength(text));
    return JSON.parse(text);
  });
  const [index = 0, ...shards] = sizes;
  return { manifest, bytes: index + Math.max(0, ...shards) };
}

const html = (response: Response) => response.headers.get('Content-Type')?.startsWith('text/html');

const DAY = 86_400;

/** The served paths a split put in the archive, from its list in the assets. */
function archivedPaths(dist: string): Set<string> {
  const index = JSON.parse(readFileSync(join(dist, archiveIndexPath()), 'utf8')) as ArchiveIndex;
  const paths = new Set<string>();
  for (let shard = 0; shard < index.shards; shard++) {
    const { objects } = JSON.parse(readFileSync(join(dist, archiveShardPath(shard)), 'utf8')) as ArchiveShard;
    for (const path of Object.keys(objects)) paths.add(path);
  }
  return paths;
}

/**
 * An old premium story whose public page the site's build put in the archive, other than the
 * newest premium story (measured from the assets) where there is another. When the build has none
 * there (the demo's stories are recent), a copy of the build is split again in `scratch` with a
 * cut-off that puts the oldest one there.
 */
async function oldStoryIn(dir: string, manifest: Manifest, scratch: string): Promise<{ old: ManifestStory; build?: Site['build'] }> {
  const now = Date.now() / 1000;
  const premium = manifest.stories.filter((story) => story.access === 'premium' && story.publishAt <= now);
  const candidates = premium.length > 1 ? premium.slice(1) : premium;
  if (candidates.length === 0) throw new Error(`The build in ${dir} has no published premium story to measure`);
  const archived = archivedPaths(join(dir, 'dist'));
  const already = candidates.find((story) => archived.has(story.path));
  if (already) return { old: already };
  const old = candidates.at(-1)!;
  const build = { dist: join(scratch, 'dist'), archive: join(scratch, ARCHIVE_DIR) };
  unsplitCopy({ dist: join(dir, 'dist'), archive: join(dir, ARCHIVE_DIR) }, build.dist);
  await splitArchive({ dist: build.dist, archive: build.archive, afterDays: Math.floor((now - old.publishAt) / DAY), now });
  return { old, build };
}

/** The paths to measure on one site, all taken from its own build. */
async function targetsOf(dir: string, manifest: Manifest, old: ManifestStory): Promise<Target[]> {
  const now = Date.now() / 1000;
  const published = manifest.stories.filter((story) => story.publishAt <= now);
  const first = (access: ManifestStory['access']) => {
    const found = published.find((story) => story.access === access);
    if (!found) throw new Error(`The build in ${dir} has no published ${access} story to measure`);
    return found;
  };
  const free = first('free');
  const premium = first('premium');
  const metered = first('metered');

  // The stylesheet a story page links to: an asset the Worker passes straight through.
  const page = readFileSync(join(dir, 'dist', free.path, 'index.html'), 'utf8');
  const css = /<link[^>]+href="(\/_astro\/[^"]+\.css)"/.exec(page)?.[1] ?? `/_astro/${readdirSync(join(dir, 'dist', '_astro')).find((file) => file.endsWith('.css'))}`;

  const secrets = parseEnv(readFileSync(join(dir, '.dev.vars'), 'utf8'));
  const meter = await signMeter([metered.meterKey], monthOf(new Date(), settings.timeZone), meterSecrets(secrets['METER_SECRET'])[0]!);
  const plans = JSON.parse(readFileSync(join(dir, 'content', 'plans.json'), 'utf8')) as { plans: { id: string }[] };
  const session = execFileSync(process.execPath, ['scripts/token.ts', '--plan', plans.plans[0]!.id], { cwd: dir, encoding: 'utf8' }).trim();

  // The structured data names the locked part's class on every locked page; only the full text has the element.
  const fullText = (body: string) => body.includes(`class="${LOCKED_PART_CLASS}"`);
  const full = (_: Response, body: string) => (fullText(body) ? undefined : 'expected the full text');
  return [
    { name: 'asset (CSS)', path: css, check: (response) => (response.headers.get('Content-Type')?.includes('css') ? undefined : 'not CSS') },
    {
      name: 'free story',
      path: free.path,
      check: (response, body) => (html(response) && !body.includes(HOOKS.wallReason) ? undefined : 'expected a story without a wall'),
    },
    {
      name: 'premium teaser (anonymous)',
      path: premium.path,
      check: (_, body) => (body.includes(HOOKS.wallReason) && !fullText(body) ? undefined : 'expected the teaser and the wall'),
    },
    {
      name: 'metered re-read',
      path: metered.path,
      cookie: `${COOKIES.meter}=${meter}`,
      check: (response, body) => full(response, body) ?? (response.headers.get('Set-Cookie') ? 'a re-read must not count again' : undefined),
    },
    { name: 'subscriber (premium story)', path: premium.path, cookie: session, check: full },
    {
      name: 'listing page (/latest/)',
      path: '/latest/',
      check: (response, body) => (html(response) && body.includes(HOOKS.storyCard) ? undefined : 'expected a listing'),
    },
    {
      name: 'old story in R2: teaser',
      path: old.path,
      check: (_, body) => (body.includes(HOOKS.wallReason) && !fullText(body) ? undefined : 'expected the teaser and the wall'),
    },
    { name: 'old story in R2: subscriber', path: old.path, cookie: session, check: full },
  ];
}

async function verify(site: Site): Promise<void> {
  for (const target of site.targets) {
    const response = await fetch(new URL(target.path, site.local!.url), {
      headers: target.cookie ? { Cookie: target.cookie } : {},
      redirect: 'manual',
    });
    const body = await response.text();
    const problem = response.status === 200 ? target.check(response, body) : `status ${response.status}`;
    if (problem) throw new Error(`${site.name}: ${target.name} ${target.path}: ${problem}`);
  }
}

interface WrkResult {
  rps: number;
  latencyMs: number;
  errors: number;
}

function wrk(url: string, cookie: string | undefined, seconds: number, wrkThreads = threads, wrkConnections = connections): WrkResult {
  const args = [`-t${wrkThreads}`, `-c${wrkConnections}`, `-d${seconds}s`, '--timeout', '10s', ...(cookie ? ['-H', `Cookie: ${cookie}`] : []), url];
  const run = spawnSync('wrk', args, { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`wrk failed: ${run.stderr}`);
  const out = run.stdout;
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const latency = /Latency\s+([\d.]+)(us|ms|s)/.exec(out);
  const latencyMs = latency ? Number(latency[1]) * ({ us: 0.001, ms: 1, s: 1000 } as Record<string, number>)[latency[2]!]! : NaN;
  const errors = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0) + Number(/Socket errors:.*?timeout (\d+)/.exec(out)?.[1] ?? 0);
  return { rps, latencyMs, errors };
}

const median = (numbers: number[]) => {
  const sorted = [...numbers].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

const sites: Site[] = [];
const scratch = stories === undefined ? undefined : scratchDir('konkan-bench-edge');
/** Copies of builds split again so an old story is in the archive. */
const splitDirs: string[] = [];
let cleaned = false;

/** Stops every wrangler this run started and removes the scratch folder (unless --keep). */
async function cleanUp(): Promise<void> {
  if (cleaned) return;
  cleaned = true;
  for (const site of sites) await site.local?.stop();
  if (scratch) {
    if (values.keep) console.log(`\nKept the scratch folder: ${scratch}`);
    else removeDir(scratch);
  }
  for (const dir of splitDirs) removeDir(dir);
}

async function main(): Promise<void> {
  try {
    const demo = await readManifest(ROOT);
    if (!existsSync(join(ROOT, '.dev.vars'))) throw new Error('Create local secrets first: npm run setup');
    const built = statSync(join(ROOT, 'dist', manifestIndexPath())).mtime;
    console.log(`Demo site: dist/ as built at ${built.toISOString()} (${demo.manifest.stories.length} stories).`);
    sites.push({ name: `demo (${demo.manifest.stories.length})`, dir: ROOT, stories: demo.manifest.stories.length, manifestBytes: demo.bytes, targets: [] });
    sites.push({ name: 'demo, counting off', dir: ROOT, vars: { COUNTING: 'off' }, stories: demo.manifest.stories.length, manifestBytes: demo.bytes, targets: [] });
    sites.push({ name: 'demo, test mode', dir: ROOT, testMode: true, stories: demo.manifest.stories.length, manifestBytes: demo.bytes, targets: [] });

    if (scratch && stories !== undefined) {
      const dir = join(scratch, 'project');
      copyProject(dir, { withoutStories: true });
      const corpus = writeCorpus(join(ROOT, STORIES), join(dir, STORIES), { stories, seed: Number(values.seed) });
      console.log(`\nBuilding a ${corpus.stories.toLocaleString('en')}-story archive in ${dir}…`);
      const build = await buildProject(dir);
      if (!build.ok) throw new Error(`The ${stories}-story build failed; see ${join(dir, 'bench-build.log')} (use --keep)`);
      console.log(`Built in ${seconds(build.ms)}.`);
      const large = await readManifest(dir);
      sites.push({ name: `${stories.toLocaleString('en')} stories`, dir, stories, manifestBytes: large.bytes, targets: [] });
    }

    const home = process.cwd();
    const splits = new Map<string, Awaited<ReturnType<typeof oldStoryIn>>>();
    for (const site of sites) {
      const { manifest } = await readManifest(site.dir);
      if (!splits.has(site.dir)) {
        const dir = scratchDir('konkan-bench-edge-split');
        splitDirs.push(dir);
        splits.set(site.dir, await oldStoryIn(site.dir, manifest, dir));
      }
      const split = splits.get(site.dir)!;
      site.old = split.old;
      if (split.build) site.build = split.build;
      site.targets = await targetsOf(site.dir, manifest, split.old);
      // startLocalSite works in the current folder (dist/, .dev.vars, scripts/).
      process.chdir(site.dir);
      try {
        site.local = await startLocalSite({
          name: 'konkan-bench-edge',
          testProvider: false,
          vars: { ...(site.testMode ? {} : LIVE_LOOKING_KEYS), ...site.vars },
          ...(site.build ? { build: site.build } : {}),
        });
      } finally {
        process.chdir(home);
      }
      await verify(site);
      console.log(`${site.name}: serving at ${site.local.url}; manifest read per fresh isolate ${(site.manifestBytes / 1024).toFixed(0)} KB.`);
    }

    console.log('\nWarming up (1 s of wrk on every path)…');
    for (const site of sites) for (const target of site.targets) wrk(new URL(target.path, site.local!.url).href, target.cookie, 1, 1, 4);

    const results = new Map<string, WrkResult[]>();
    const key = (site: Site, target: Target) => `${site.name}\u0000${target.name}`;
    const count = sites[0]!.targets.length;
    for (let round = 0; round < rounds; round++) {
      // Each round starts at another path, and the sites take turns going first, so the same path
      // on both sites is measured back to back and no path is always first or last.
      for (let step = 0; step < count; step++) {
        const index = (step + round) % count;
        const order = (round + step) % 2 ? [...sites].reverse() : sites;
        for (const site of order) {
          const target = site.targets[index]!;
          const result = wrk(new URL(target.path, site.local!.url).href, target.cookie, duration);
          results.set(key(site, target), [...(results.get(key(site, target)) ?? []), result]);
        }
      }
      console.log(`Round ${round + 1} of ${rounds} done.`);
    }

    console.log(
      `\n${new Date().toISOString()} · wrk ${threads} threads × ${connections} connections, ${duration} s per run, median of ${rounds} rounds · ` +
        `${cpus().length} CPU cores · Node ${process.version}\n` +
        `As deployed: live-mode payment keys (no test-mode banner), counting on, full texts and old stories from R2 (local R2 under wrangler dev).\n` +
        `“demo, test mode”: the same build with the test keys of .dev.vars, as \`npm start\` serves it (the test-mode banner spliced into every page).\n`,
    );
    const header = ['Path', ...sites.flatMap((site) => [`${site.name}: req/s`, '× asset', 'latency'])];
    const rows = sites[0]!.targets.map((_, index) => [
      sites[0]!.targets[index]!.name,
      ...sites.flatMap((site) => {
        const target = site.targets[index]!;
        const runs = results.get(key(site, target)) ?? [];
        const asset = median((results.get(key(site, site.targets[0]!)) ?? []).map((run) => run.rps));
        const rps = median(runs.map((run) => run.rps));
        const errors = runs.reduce((sum, run) => sum + run.errors, 0);
        return [`${rps.toFixed(0)}${errors ? ` (${errors} errors)` : ''}`, ratio(rps, asset), `${median(runs.map((run) => run.latencyMs)).toFixed(1)} ms`];
      }),
    ]);
    console.log(table([header, ...rows]));
    console.log('\nPaths measured:');
    for (const site of sites) {
      console.log(
        `  ${site.name} (manifest read per fresh isolate ${(site.manifestBytes / 1024).toFixed(0)} KB): ${site.targets.map((target) => target.path).filter((path, i, all) => all.indexOf(path) === i).join(', ')}` +
          (site.build ? ` (served from a copy of the build split again so that ${site.old!.path} is in the archive)` : ''),
      );
    }
  } finally {
    await cleanUp();
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void cleanUp().finally(() => process.exit(130)));
}
await main();
