// The build-scale benchmark (issue: archive scale). Generates an archive of N stories from the demo
// stories, then builds, one after the other in the same run and with the same packages:
//   (a) the project, as `npm run build` does (astro build, then pagefind, then the split into assets and R2), and
//   (b) a bare Astro site rendering the same MDX files, one page per story (the floor).
// For each it prints wall time, peak memory (RSS of the whole process tree, sampled from /proc)
// and the files written, then the ratios project/bare, the files per story by kind, and the largest
// archive that would fit in 20,000 and 100,000 files. Then it adds one story to the archive and
// builds the project again with the first build's cache (node_modules/.astro, as CI keeps it),
// and prints that rebuild's time, how many pages it took from the first build, and what deploying
// it would send (static-asset files and R2 objects changed, by content hash). It prints
// numbers; nothing passes or fails.
//
//   npm run bench:build -- --stories 10000             # both builds
//   npm run bench:build -- --stories 1000 --only bare  # one of them: project | bare
//   npm run bench:build -- --stories 1000 --keep       # keep the scratch folder (its path is printed)
//   npm run bench:build -- --stories 1000 --seed 7     # another archive of the same size
//
// Everything happens in a scratch folder under the system's temporary directory, removed at the
// end. The bare Astro build of 30,000 stories needs about 12 GB of memory: check `free -g` first.
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { benchOptions } from './bench/options.ts';
import { buildBare, buildProject, writeBareSite, type Build } from './bench/builds.ts';
import { writeCorpus, writeNewStory } from './bench/corpus.ts';
import { builtState, deployDifference, type DeployDifference } from './bench/deploy-diff.ts';
import { countFiles, largestArchive, type FileCount } from './bench/files.ts';
import { gigabytes, ratio, seconds, stopRunning, table } from './bench/measure.ts';
import { copyProject, removeDir, ROOT, scratchDir, STORIES } from './bench/scratch.ts';

const USAGE = 'Usage: npm run bench:build -- --stories N [--only project|bare] [--keep] [--seed N] [--memory-limit GB] [--no-rebuild]';

const OPTIONS = {
  stories: { type: 'string', default: '1000' },
  only: { type: 'string' },
  keep: { type: 'boolean', default: false },
  seed: { type: 'string', default: '1' },
  'memory-limit': { type: 'string', default: '13' },
  rebuild: { type: 'boolean', default: true },
} as const;

const { values, fail, whole } = benchOptions(OPTIONS, USAGE);
const stories = whole('stories', values.stories, 1);
const only = values.only;
if (only !== undefined && only !== 'project' && only !== 'bare') fail('--only must be "project" or "bare".');
const seed = Number(values.seed);
const memoryLimitGb = Number(values['memory-limit']);
if (!(memoryLimitGb > 0)) fail('--memory-limit is in GB, e.g. 13.');
/**
 * Each build's process tree is killed above this much memory, so a build that runs away (bare
 * Astro near 100,000 stories) fails cleanly instead of taking a shared machine down.
 */
const MEMORY_LIMIT = memoryLimitGb * 1024 ** 3;
/** Bare Astro gets the 12 GB heap withastro/astro#12888 tried, so it fails on memory, not on Node's default heap limit. */
const BARE_HEAP_MB = 12_288;

const root = scratchDir('konkan-bench-build');
const projectDir = join(root, 'project');
const bareDir = join(root, 'bare');
let cleaned = false;
function cleanUp(): void {
  if (cleaned) return;
  cleaned = true;
  if (values.keep) console.log(`\nKept the scratch folder: ${root}`);
  else removeDir(root);
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    stopRunning();
    cleanUp();
    process.exit(130);
  });
}

interface Result {
  name: string;
  build: Build;
  files: FileCount;
}

const loadAtStart = loadavg()[0]!;

function report(results: Result[], rebuild: Build | undefined, deploy: DeployDifference | undefined): void {
  console.log(
    `\n${new Date().toISOString()} · ${stories.toLocaleString('en')} stories · ${cpus().length} CPU cores, ${gigabytes(totalmem())} RAM · ` +
      `Node ${process.version} · load average ${loadAtStart.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end\n`,
  );
  console.log(
    table([
      ['Build', 'Wall time', 'CPU time', 'Peak RSS (process tree)', 'Files in dist/', 'Files per story'],
      ...results.flatMap(({ name, build, files }) => [
        [
          `${name}${build.ok ? '' : ` (FAILED: ${build.failure})`}`,
          seconds(build.ms),
          seconds(build.cpuMs),
          gigabytes(build.peakRss),
          files.total.toLocaleString('en'),
          (files.total / stories).toFixed(2),
        ],
        ...(build.steps.length > 1
          ? build.steps.map((step) => [`  ${step.command.replace(/^(\S+=\S+ )+/, '').slice(0, 40)}`, seconds(step.result.ms), seconds(step.result.cpuMs), gigabytes(step.result.peakRss), '', ''])
          : []),
      ]),
      ...(results.length === 2
        ? [
            [
              'project / bare',
              ratio(results[0]!.build.ms, results[1]!.build.ms),
              ratio(results[0]!.build.cpuMs, results[1]!.build.cpuMs),
              ratio(results[0]!.build.peakRss, results[1]!.build.peakRss),
              ratio(results[0]!.files.total, results[1]!.files.total),
              '',
            ],
          ]
        : []),
    ]),
  );

  if (rebuild) {
    console.log(
      `\nRebuild of the project after one new story, with the first build's cache${rebuild.ok ? '' : ` (FAILED: ${rebuild.failure})`}: ` +
        `${seconds(rebuild.ms)} wall, ${seconds(rebuild.cpuMs)} CPU, ${gigabytes(rebuild.peakRss)} peak; ` +
        `${rebuild.reused.toLocaleString('en')} of ${rebuild.pages.toLocaleString('en')} pages taken from the first build.`,
    );
  }
  if (deploy) {
    console.log(
      `Deploying that rebuild would send ${deploy.assetsSent.toLocaleString('en')} new or changed static-asset files ` +
        `(${deploy.assetsGone.toLocaleString('en')} gone), upload ${deploy.objectsUploaded.toLocaleString('en')} R2 objects and delete ${deploy.objectsDeleted.toLocaleString('en')}.`,
    );
  }

  console.log('\nAstro phases (from its own output):\n');
  const phaseNames = [...new Set(results.flatMap((result) => result.build.phases.map(([phase]) => phase)))];
  console.log(
    table([
      ['Phase', ...results.map((result) => result.name)],
      ...phaseNames.map((phase) => [
        phase,
        ...results.map((result) => {
          const found = result.build.phases.find(([name]) => name === phase);
          if (!found) return '';
          return phase.startsWith('pages') ? (found[1] / 1000).toLocaleString('en') : seconds(found[1]);
        }),
      ]),
      ['Vite warnings printed', ...results.map((result) => String(result.build.warnings))],
    ]),
  );

  console.log('\nPeak memory (RSS of the process tree) by phase:\n');
  const builds = [...results.map((result) => [result.name, result.build] as const), ...(rebuild ? [['rebuild', rebuild] as const] : [])];
  const memoryPhases = [...new Set(builds.flatMap(([, build]) => build.memory.map(([phase]) => phase)))];
  console.log(
    table([
      ['Phase', ...builds.map(([name]) => name)],
      ...memoryPhases.map((phase) => [
        phase,
        ...builds.map(([, build]) => {
          const found = build.memory.find(([name]) => name === phase);
          return found ? gigabytes(found[1]) : '';
        }),
      ]),
    ]),
  );

  for (const { name, files } of results) {
    const perStory = files.growing / stories;
    console.log(`\nFiles written by the ${name} build, by kind:\n`);
    console.log(
      table([
        ['Kind', 'Files', 'Per story', 'Grows with the archive'],
        ...files.byKind
          .filter((kind) => kind.count > 0)
          .map((kind) => [kind.kind, kind.count.toLocaleString('en'), (kind.count / stories).toFixed(3), kind.perStory ? 'yes' : 'no']),
        ['all files', files.total.toLocaleString('en'), (files.total / stories).toFixed(3), ''],
      ]),
    );
    const fit = (limit: number) => largestArchive(limit, perStory, files.fixed).toLocaleString('en');
    console.log(
      `\nAt ${perStory.toFixed(2)} growing files per story plus ${files.fixed.toLocaleString('en')} fixed, the largest archive this build fits in` +
        ` 20,000 files is ${fit(20_000)} stories, and in 100,000 files ${fit(100_000)} stories.`,
    );
  }
}

async function main(): Promise<void> {
  const free = freemem();
  console.log(`Scratch folder: ${root}`);
  console.log(`Free memory now: ${gigabytes(free)} of ${gigabytes(totalmem())}; each build is stopped above ${gigabytes(MEMORY_LIMIT)}.`);
  copyProject(projectDir, { withoutStories: true });
  const corpus = writeCorpus(join(ROOT, STORIES), join(projectDir, STORIES), { stories, seed });
  console.log(
    `Generated ${corpus.stories.toLocaleString('en')} stories (${Object.entries(corpus.byAccess)
      .map(([access, count]) => `${count.toLocaleString('en')} ${access}`)
      .join(', ')}; ${corpus.withImage.toLocaleString('en')} with a picture; ${corpus.tags} tags) dated ` +
      `${corpus.oldest.toISOString().slice(0, 10)} to ${corpus.newest.toISOString().slice(0, 10)}.`,
  );

  const results: Result[] = [];
  if (only !== 'bare') {
    console.log('\nBuilding the project (npm run build: astro build, the search index, the split into assets and R2)…');
    const build = await buildProject(projectDir, { memory: MEMORY_LIMIT });
    results.push({ name: 'project', build, files: countFiles(join(projectDir, 'dist')) });
    if (!build.ok) console.error(`The project build failed (${build.failure}); see ${join(projectDir, 'bench-build.log')} (use --keep).`);
  }
  if (only !== 'project') {
    writeBareSite(bareDir, join(projectDir, STORIES));
    console.log('\nBuilding the bare Astro site (astro build)…');
    const build = await buildBare(bareDir, { memory: MEMORY_LIMIT, heapMegabytes: BARE_HEAP_MB });
    results.push({ name: 'bare Astro', build, files: countFiles(join(bareDir, 'dist')) });
    if (!build.ok) console.error(`The bare build failed (${build.failure}); see ${join(bareDir, 'bench-build.log')} (use --keep).`);
  }
  let rebuild: Build | undefined;
  let deploy: DeployDifference | undefined;
  if (values.rebuild && results[0]?.name === 'project' && results[0].build.ok) {
    const before = builtState(projectDir);
    const slug = writeNewStory(join(ROOT, STORIES), join(projectDir, STORIES));
    console.log(`\nRebuilding the project after one new story (${slug}), with the first build's cache in node_modules/.astro…`);
    rebuild = await buildProject(projectDir, { memory: MEMORY_LIMIT });
    if (rebuild.ok) deploy = deployDifference(before, builtState(projectDir));
    else console.error(`The rebuild failed; see ${join(projectDir, 'bench-build.log')} (use --keep).`);
  }
  report(results, rebuild, deploy);
  if (results.some((result) => !result.build.ok) || rebuild?.ok === false) process.exitCode = 1;
}

try {
  await main();
} finally {
  cleanUp();
}
