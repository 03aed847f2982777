// Scratch copies of the project for the scale benchmarks: a folder under the system's temporary
// directory holding the project's files (not its build, caches or git history) and a
// node_modules/ of links to the project's installed packages, so nothing is installed twice and
// nothing the benchmark builds lands in the working tree. (test/project-copy.ts does the same for
// the tests; this one stays separate so benchmarks and tests can change independently.)
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';

/** The project's root folder. */
export const ROOT = resolve(import.meta.dirname, '..', '..');

/** Where the stories live, relative to the project's root. */
export const STORIES = join('content', 'stories');

/** Never copied: installed packages (linked instead), builds, caches, history, and what only people read. */
const SKIPPED = new Set(['node_modules', 'dist', 'dist-r2', '.astro', '.wrangler', '.git', 'test-results', 'docs', 'test']);

/** A new, empty folder for one benchmark run; remove it with `removeDir`. */
export function scratchDir(name: string): string {
  return mkdtempSync(join(tmpdir(), `${name}-`));
}

/**
 * Links every installed package into `dir/node_modules`, but not Astro's and Vite's caches
 * (node_modules/.astro, .vite): each copy starts with none, as a fresh clone does.
 */
export function linkPackages(dir: string): void {
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  for (const entry of readdirSync(join(ROOT, 'node_modules'))) {
    if (!entry.startsWith('.')) symlinkSync(join(ROOT, 'node_modules', entry), join(dir, 'node_modules', entry));
  }
  symlinkSync(join(ROOT, 'node_modules', '.bin'), join(dir, 'node_modules', '.bin'));
}

/**
 * Copies the project into `dir` (its sources, content, configuration, scripts and local secrets,
 * if any) with its packages linked. With `withoutStories`, the stories folder is left without
 * stories, for a generated archive; its pictures are copied either way.
 */
export function copyProject(dir: string, options: { withoutStories?: boolean } = {}): void {
  mkdirSync(dir, { recursive: true });
  for (const entry of readdirSync(ROOT)) {
    if (SKIPPED.has(entry)) continue;
    cpSync(join(ROOT, entry), join(dir, entry), {
      recursive: true,
      filter: (source) => !(options.withoutStories && source.startsWith(join(ROOT, STORIES)) && /\.mdx?$/.test(source)),
    });
  }
  linkPackages(dir);
}

/** Writes a file, creating its folder. */
export function writeFile(path: string, text: string): void {
  mkdirSync(resolve(path, '..'), { recursive: true });
  writeFileSync(path, text);
}

export function removeDir(dir: string): void {
  // Only ever folders this module made under the temporary directory.
  if (!resolve(dir).startsWith(resolve(tmpdir())) || !basename(dir).includes('-')) {
    throw new Error(`Refusing to remove ${dir}: not a scratch folder`);
  }
  if (existsSync(dir)) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}
