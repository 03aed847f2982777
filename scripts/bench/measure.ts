// Runs a command and measures it: wall time, and peak memory as the resident set size (RSS) of
// the whole process tree (the command and everything it starts), sampled from /proc. No external
// tool is needed; where /proc does not exist (macOS) the peak is reported as unknown.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, readdirSync, readFileSync } from 'node:fs';

export interface Measured {
  /** Wall time in milliseconds. */
  ms: number;
  /** Highest sum of RSS over the process tree seen at any sample, in bytes; NaN without /proc. */
  peakRss: number;
  /**
   * CPU time (user + system) of every process in the tree, in milliseconds, as last sampled; NaN
   * without /proc. Less sensitive than wall time to other work on a shared machine.
   */
  cpuMs: number;
  code: number | null;
  /** Each line printed (stdout and stderr) with the milliseconds since the start when it arrived. */
  lines: { at: number; text: string }[];
  /** Set when the tree went over `memoryLimit` and was killed: the RSS seen then, in bytes. */
  killedAtRss?: number | undefined;
  /** Each memory sample: milliseconds since the start and the tree's RSS in bytes (empty without /proc). */
  samples: { at: number; rss: number }[];
}

export interface MeasureOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Also append everything printed to this file. */
  log?: string;
  /** Called with each line as it arrives. */
  onLine?: (text: string) => void;
  /** Milliseconds between memory samples. */
  interval?: number;
  /**
   * Bytes of RSS the whole tree may use: above it the tree is killed (SIGKILL to its process group)
   * and the result says so, so a build that runs away cannot take a shared machine down with it.
   */
  memoryLimit?: number;
}

const HAS_PROC = existsSync('/proc/self/status');
/** Clock ticks per second, the unit of CPU times in /proc/<pid>/stat. */
const TICKS = HAS_PROC ? Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100 : 100;

interface ProcessTable {
  children: Map<number, number[]>;
  /** user + system CPU time of each process, in milliseconds. */
  cpu: Map<number, number>;
}

/** Each process's parent and CPU time, from /proc/<pid>/stat (fields after the command name). */
function processes(): ProcessTable {
  const table: ProcessTable = { children: new Map(), cpu: new Map() };
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // Gone since the listing.
    }
    // After ") ": state, ppid, pgrp, session, tty, tpgid, flags, minflt, cminflt, majflt, cmajflt, utime, stime.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(fields[1]);
    const list = table.children.get(ppid) ?? [];
    list.push(Number(entry));
    table.children.set(ppid, list);
    table.cpu.set(Number(entry), ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS);
  }
  return table;
}

function rssOf(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
    return kb ? Number(kb) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** RSS of `root` and all its descendants, in bytes, and the CPU time of each of them. */
export function sampleTree(root: number): { rss: number; cpu: Map<number, number> } {
  const table = processes();
  let rss = 0;
  const cpu = new Map<number, number>();
  const queue = [root];
  while (queue.length) {
    const pid = queue.pop()!;
    if (cpu.has(pid)) continue;
    cpu.set(pid, table.cpu.get(pid) ?? 0);
    rss += rssOf(pid);
    queue.push(...(table.children.get(pid) ?? []));
  }
  return { rss, cpu };
}

/** Process groups started by `measure` and still running. */
const running = new Set<number>();

/** Stops every process tree `measure` started that is still running (for a benchmark that is interrupted). */
export function stopRunning(): void {
  for (const group of running) {
    try {
      process.kill(-group, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

export function measure(command: string, args: string[], options: MeasureOptions): Promise<Measured> {
  const started = performance.now();
  const lines: Measured['lines'] = [];
  const log = options.log ? createWriteStream(options.log, { flags: 'a' }) : undefined;
  // Its own process group, so that the watchdog can stop the whole tree at once.
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let killedAtRss: number | undefined;
  if (child.pid) running.add(child.pid);
  let peakRss = HAS_PROC ? 0 : NaN;
  const samples: Measured['samples'] = [];
  // Last CPU time seen for every process that was ever in the tree (a process that exits keeps its last sample).
  const cpuSeen = new Map<number, number>();
  const sample = () => {
    if (!HAS_PROC || !child.pid) return;
    const { rss, cpu } = sampleTree(child.pid);
    peakRss = Math.max(peakRss, rss);
    samples.push({ at: performance.now() - started, rss });
    if (options.memoryLimit !== undefined && rss > options.memoryLimit && killedAtRss === undefined) {
      killedAtRss = rss;
      process.kill(-child.pid, 'SIGKILL');
    }
    for (const [pid, ms] of cpu) cpuSeen.set(pid, ms);
  };
  const timer = setInterval(sample, options.interval ?? 200);
  for (const stream of [child.stdout, child.stderr]) {
    let pending = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      log?.write(chunk);
      pending += chunk;
      const parts = pending.split('\n');
      pending = parts.pop()!;
      const at = performance.now() - started;
      for (const text of parts) {
        lines.push({ at, text });
        options.onLine?.(text);
      }
    });
    stream.on('end', () => {
      if (pending) lines.push({ at: performance.now() - started, text: pending });
    });
  }
  return new Promise((resolve, reject) => {
    child.once('error', (error) => {
      clearInterval(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearInterval(timer);
      if (child.pid) running.delete(child.pid);
      log?.end();
      const cpuMs = HAS_PROC ? [...cpuSeen.values()].reduce((sum, ms) => sum + ms, 0) : NaN;
      resolve({ ms: performance.now() - started, peakRss, cpuMs, code, lines, samples, killedAtRss });
    });
  });
}

const ANSI = /\u001b\[[0-9;]*m/g;

/**
 * Astro's own account of where a build's time went, read from what `astro build` prints: content
 * sync, type generation, the Vite bundles, static routes and images, as [phase, milliseconds].
 */
export function astroPhases(lines: Measured['lines']): [string, number][] {
  const phases: [string, number][] = [];
  // Astro prints "452ms", "31.13s", "1m 8s" or "2m".
  const TIME = String.raw`((?:\d+m(?!s)\s*)?(?:[\d.]+m?s)?)`;
  const duration = (text: string) => {
    const match = /^(?:(\d+)m(?!s))?\s*(?:([\d.]+)(ms|s))?$/.exec(text.trim());
    if (!match) return NaN;
    return Number(match[1] ?? 0) * 60_000 + Number(match[2] ?? 0) * (match[3] === 'ms' ? 1 : 1000);
  };
  let phase = '';
  let syncing: number | undefined;
  let bundles = 0;
  for (const { at, text: raw } of lines) {
    const text = raw.replace(ANSI, '');
    if (text.includes('[content] Syncing content')) syncing = at;
    else if (text.includes('[content] Synced content') && syncing !== undefined) phases.push(['content sync', at - syncing]);
    const types = new RegExp(String.raw`\[types\] Generated ${TIME}`).exec(text);
    if (types) phases.push(['types (incl. content sync)', duration(types[1]!)]);
    if (text.includes('Collecting build info')) phase = 'collecting build info';
    else if (text.includes('Building static entrypoints')) phase = 'static entrypoints';
    else if (text.includes('generating static routes')) phase = 'generating static routes';
    else if (text.includes('generating optimized images')) phase = 'generating optimized images';
    const vite = new RegExp(String.raw`\[vite\] ✓ built in ${TIME}`).exec(text);
    if (vite) phases.push([`vite bundle ${++bundles}`, duration(vite[1]!)]);
    const completed = new RegExp(String.raw`✓ Completed in ${TIME}`).exec(text);
    if (completed && phase) {
      phases.push([phase, duration(completed[1]!)]);
      phase = '';
    } else if (completed && text.includes('[build]')) {
      phases.push(['bundling and generating (together)', duration(completed[1]!)]);
    }
    const pages = new RegExp(String.raw`\[build\] (\d+) page\(s\) built in ${TIME}`).exec(text);
    if (pages) phases.push(['astro total (its own count)', duration(pages[2]!)], ['pages Astro counted', Number(pages[1]) * 1000]);
  }
  return phases;
}

/** The Astro build's phases in order, each from the line that announces it. */
const PHASE_STARTS: [RegExp, string][] = [
  [/\[content\] Syncing content/, 'content sync'],
  [/\[content\] Synced content/, 'types and build info'],
  [/Building static entrypoints/, 'vite bundle'],
  [/generating static routes/, 'generating static routes'],
  [/generating optimized images/, 'generating optimized images'],
  [/\[build\] Rearranging server assets|\[build\] \d+ page\(s\) built/, 'after the pages (integrations)'],
];

/**
 * Peak memory of each phase of an `astro build`, from the memory samples and the times of the
 * lines that start each phase: where the build's memory goes, not just how high it gets.
 */
export function phasePeaks(measured: Pick<Measured, 'lines' | 'samples'>): [string, number][] {
  const starts: { at: number; phase: string }[] = [{ at: 0, phase: 'start-up' }];
  for (const { at, text } of measured.lines) {
    const found = PHASE_STARTS.find(([pattern, phase]) => pattern.test(text.replace(ANSI, '')) && !starts.some((start) => start.phase === phase));
    if (found) starts.push({ at, phase: found[1] });
  }
  return starts.map(({ at, phase }, index) => {
    const end = starts[index + 1]?.at ?? Infinity;
    const inPhase = measured.samples.filter((sample) => sample.at >= at && sample.at < end);
    return [phase, inPhase.length ? Math.max(...inPhase.map((sample) => sample.rss)) : NaN] as [string, number];
  });
}

export function seconds(ms: number): string {
  return ms >= 100_000 ? `${(ms / 1000).toFixed(0)} s` : `${(ms / 1000).toFixed(1)} s`;
}

export function gigabytes(bytes: number): string {
  return Number.isNaN(bytes) ? 'n/a' : `${(bytes / 1024 ** 3).toFixed(2)} GB`;
}

export function ratio(a: number, b: number): string {
  return Number.isFinite(a / b) ? `${(a / b).toFixed(2)}×` : 'n/a';
}

export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  const line = (row: string[]) => `| ${row.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
  return [line(rows[0]!), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}
