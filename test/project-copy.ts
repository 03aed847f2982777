// A scratch copy of the project (sharing the installed packages) where a test can break the content and
// run the real `astro sync` or `astro build`, or a whole other publication can run `npm test`,
// without touching the working tree.
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '..');
/** What Astro needs to build the site. */
const SITE = ['package.json', 'astro.config.mjs', 'tsconfig.json', 'src', 'content', 'public', 'functions'];
/** Never copied: the packages (linked instead), what builds and runs leave behind, and local secrets. */
const LEFT_OUT = new Set(['node_modules', '.git', 'dist', 'dist-r2', '.astro', '.wrangler', 'test-results', '.dev.vars']);

export class ProjectCopy {
  readonly dir: string;

  /** `whole`: everything a fresh clone has (tests, scripts, configuration), not only the site. */
  constructor({ whole = false, prefix = 'presswall-content-' } = {}) {
    this.dir = mkdtempSync(join(tmpdir(), prefix));
    const copied = whole ? readdirSync(ROOT).filter((entry) => !LEFT_OUT.has(entry)) : SITE;
    for (const path of copied) cpSync(join(ROOT, path), join(this.dir, path), { recursive: true });
    // The packages are shared, but not Astro's and Vite's caches in node_modules/.astro and
    // .vite: those would carry the project's content store into this copy, and back.
    mkdirSync(join(this.dir, 'node_modules'));
    for (const entry of readdirSync(join(ROOT, 'node_modules'))) {
      if (!entry.startsWith('.')) symlinkSync(join(ROOT, 'node_modules', entry), join(this.dir, 'node_modules', entry));
    }
    symlinkSync(join(ROOT, 'node_modules', '.bin'), join(this.dir, 'node_modules', '.bin'));
  }

  /** Puts content/ back as it is in the project. */
  resetContent(): void {
    rmSync(join(this.dir, 'content'), { recursive: true, force: true });
    cpSync(join(ROOT, 'content'), join(this.dir, 'content'), { recursive: true });
  }

  read(path: string): string {
    return readFileSync(join(this.dir, path), 'utf8');
  }

  /** Writes a file of the copy, making its folder if needed. */
  write(path: string, text: string | Uint8Array): void {
    mkdirSync(dirname(join(this.dir, path)), { recursive: true });
    writeFileSync(join(this.dir, path), text);
  }

  edit(path: string, change: (text: string) => string): void {
    this.write(path, change(this.read(path)));
  }

  /** Runs `astro <command>`; resolves with its exit code and everything it printed. */
  async astro(command: 'sync' | 'build'): Promise<{ code: number; output: string }> {
    // A failed build leaves pages behind; each run starts from nothing, as a fresh clone would.
    rmSync(join(this.dir, 'dist'), { recursive: true, force: true });
    // As an editor's shell runs it: without the variables vitest sets (NODE_ENV=test, VITEST…),
    // which make Astro build as if previewing, drafts included.
    const env = { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '' };
    try {
      const { stdout, stderr } = await run(process.execPath, ['node_modules/astro/bin/astro.mjs', command], {
        cwd: this.dir,
        env: { ...env, ASTRO_TELEMETRY_DISABLED: '1', NO_COLOR: '1', FORCE_COLOR: '0' },
        maxBuffer: 32 * 1024 * 1024,
      });
      return { code: 0, output: `${stdout}${stderr}` };
    } catch (error) {
      const { code, stdout = '', stderr = '' } = error as { code?: number; stdout?: string; stderr?: string };
      return { code: code ?? 1, output: `${stdout}${stderr}` };
    }
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
