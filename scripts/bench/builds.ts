// The two builds the scale benchmark compares, each in its own scratch folder with the same
// generated stories and the same installed packages:
// - the project, built exactly as `npm run build` builds it (each step of package.json's "build"
//   script, run by the shell with node_modules/.bin first on the PATH, as npm does);
// - a bare Astro site: @astrojs/mdx, one `[...slug].astro` page rendering each story's
//   `<Content />` with a trivial `Paywall` component, and nothing else. It is the floor: what
//   Astro itself costs for these MDX files.
import { cpSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { astroPhases, measure, phasePeaks, type Measured } from './measure.ts';
import { linkPackages, writeFile } from './scratch.ts';

export interface BuildStep {
  command: string;
  result: Measured;
}

export interface Build {
  steps: BuildStep[];
  ms: number;
  /** CPU time of all the steps' process trees (see Measured.cpuMs). */
  cpuMs: number;
  peakRss: number;
  ok: boolean;
  /** Why it failed, when it did: "out of memory at 12.1 GB after 95 s", or the exit code. */
  failure?: string | undefined;
  phases: [string, number][];
  /** Peak memory of each phase of the first step (astro build), then of each later step, in bytes. */
  memory: [string, number][];
  warnings: number;
  /** Pages Astro wrote, and how many of them it took from the previous build (experimental.incrementalBuild). */
  pages: number;
  reused: number;
}

/** What a build prints that is worth showing while it runs: its phases, not one line per page. */
function progress(prefix: string): (line: string) => void {
  return (raw) => {
    // eslint-disable-next-line no-control-regex
    const line = raw.replace(/\u001b\[[0-9;]*m/g, '');
    if (/├─|└─|▶|^\s*[│╭╰─]/.test(line) || line.includes('[WARN]')) return;
    if (/\[(build|content|types)\]|\[vite\] ✓|generating|✓ Completed|error|Error/.test(line)) {
      console.log(`  ${prefix} ${line.trim()}`);
    }
  };
}

function environment(dir: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PATH: `${join(dir, 'node_modules', '.bin')}:${process.env['PATH'] ?? ''}`,
    ASTRO_TELEMETRY_DISABLED: '1',
    NO_COLOR: '1',
    FORCE_COLOR: '0',
  };
}

/** Runs shell commands one after another in `dir`, as `npm run` would (stops at the first failure). */
export async function runSteps(dir: string, commands: string[], label: string, limits: Limits): Promise<Build> {
  const steps: BuildStep[] = [];
  for (const command of commands) {
    const result = await measure('sh', ['-c', command], {
      cwd: dir,
      env: { ...environment(dir), ...(limits.heapMegabytes ? { NODE_OPTIONS: `--max-old-space-size=${limits.heapMegabytes}` } : {}) },
      log: join(dir, 'bench-build.log'),
      onLine: progress(label),
      memoryLimit: limits.memory,
    });
    steps.push({ command, result });
    if (result.code !== 0) break;
  }
  const lines = steps.flatMap((step) => step.result.lines);
  const ms = steps.reduce((sum, step) => sum + step.result.ms, 0);
  const failed = steps.find((step) => step.result.code !== 0);
  const heapOut = lines.some((line) => /JavaScript heap out of memory|Reached heap limit/.test(line.text));
  const failure = !failed
    ? undefined
    : failed.result.killedAtRss !== undefined
      ? `out of memory: killed at ${(failed.result.killedAtRss / 1024 ** 3).toFixed(1)} GB (the benchmark's limit) after ${(ms / 1000).toFixed(0)} s`
      : heapOut
        ? `out of memory: Node's heap limit reached at ${(failed.result.peakRss / 1024 ** 3).toFixed(1)} GB after ${(ms / 1000).toFixed(0)} s`
        : `exit code ${failed.result.code} after ${(ms / 1000).toFixed(0)} s`;
  return {
    failure,
    steps,
    ms,
    cpuMs: steps.reduce((sum, step) => sum + step.result.cpuMs, 0),
    peakRss: Math.max(...steps.map((step) => step.result.peakRss)),
    ok: steps.every((step) => step.result.code === 0),
    phases: astroPhases(steps[0]?.result.lines ?? []),
    memory: steps.flatMap((step, index) =>
      index === 0 ? phasePeaks(step.result) : [[step.command.split(' ').slice(0, 2).join(' '), step.result.peakRss] as [string, number]],
    ),
    warnings: lines.filter((line) => line.text.includes('[WARN]')).length,
    pages: Number(/(\d+) page\(s\) built/.exec(lines.map((line) => line.text).join('\n'))?.[1] ?? 0),
    reused: lines.filter((line) => /[├└]─ \S+\.html \((?:restored|cached)\)/.test(line.text)).length,
  };
}

/** What a build may use: the tree's RSS (killed above it) and, if set, Node's heap limit. */
export interface Limits {
  memory: number;
  heapMegabytes?: number;
}

/** What a build may use unless told otherwise: below the 14 GB that other work on a shared 23 GB machine leaves. */
export const DEFAULT_LIMITS: Limits = { memory: 13 * 1024 ** 3 };

/** The steps of the project's own `npm run build`, from its package.json. */
export function buildCommands(dir: string): string[] {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const build = pkg.scripts['build'];
  if (!build) throw new Error('package.json has no "build" script');
  return build.split('&&').map((step) => step.trim());
}

/** Builds the project copy in `dir` as `npm run build` does, from a clean dist/. */
export function buildProject(dir: string, limits = DEFAULT_LIMITS): Promise<Build> {
  rmSync(join(dir, 'dist'), { recursive: true, force: true });
  return runSteps(dir, buildCommands(dir), 'project |', limits);
}

/** Writes the bare Astro site into `dir`, with a copy of the stories in `stories`. */
export function writeBareSite(dir: string, stories: string): void {
  writeFile(join(dir, 'package.json'), `${JSON.stringify({ name: 'bare-astro-mdx', private: true, type: 'module' }, null, 2)}\n`);
  writeFile(
    join(dir, 'astro.config.mjs'),
    `import { defineConfig } from 'astro/config';
import mdx from '@astrojs/mdx';

export default defineConfig({ output: 'static', integrations: [mdx()] });
`,
  );
  // The same frontmatter must pass, pictures included (they are resolved as the project does),
  // but nothing else is checked.
  writeFile(
    join(dir, 'src/content.config.ts'),
    `import { defineCollection } from 'astro:content';
import { glob } from 'astro/loaders';
import { z } from 'astro/zod';

export const collections = {
  stories: defineCollection({
    loader: glob({ pattern: '**/*.{md,mdx}', base: './content/stories' }),
    schema: ({ image }) =>
      z.looseObject({
        title: z.string(),
        image: z.object({ src: image(), alt: z.string(), credit: z.string() }).optional(),
      }),
  }),
};
`,
  );
  writeFile(join(dir, 'src/components/Paywall.astro'), '<hr class="paywall" />\n');
  writeFile(
    join(dir, 'src/pages/stories/[...slug].astro'),
    `---
import { getCollection, render } from 'astro:content';
import Paywall from '../../components/Paywall.astro';

export async function getStaticPaths() {
  return (await getCollection('stories')).map((entry) => ({ params: { slug: entry.id }, props: { entry } }));
}

const { entry } = Astro.props;
const { Content } = await render(entry);
---

<html lang="en">
  <head><meta charset="utf-8" /><title>{entry.data.title}</title></head>
  <body>
    <article>
      <h1>{entry.data.title}</h1>
      <Content components={{ Paywall }} />
    </article>
  </body>
</html>
`,
  );
  cpSync(stories, join(dir, 'content/stories'), { recursive: true });
  linkPackages(dir);
}

/** Builds the bare site in `dir` (astro build only: it has no search index). */
export function buildBare(dir: string, limits: Limits): Promise<Build> {
  rmSync(join(dir, 'dist'), { recursive: true, force: true });
  return runSteps(dir, ['astro build'], 'bare    |', limits);
}
