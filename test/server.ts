// Starts the real thing for the journey tests: `wrangler dev` serving the built site (dist/)
// behind the Worker, exactly as `npm start` does, on a free port.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
  }
}

function freePort(): Promise<number> {
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

export default async function setup(project: TestProject) {
  if (!existsSync('dist/paywall-manifest.json')) throw new Error('Build the site first: npm run build');
  if (!existsSync('.dev.vars')) throw new Error('Create local secrets first: npm run setup');
  const port = await freePort();
  const log: string[] = [];
  const child = spawn(
    'node_modules/.bin/wrangler',
    ['dev', '--port', String(port), '--ip', '127.0.0.1', '--show-interactive-dev-session=false'],
    { env: { ...process.env, WRANGLER_SEND_METRICS: 'false' }, detached: true },
  );
  await waitUntilReady(child, log);
  project.provide('baseUrl', `http://127.0.0.1:${port}`);
  return () => {
    if (child.pid) process.kill(-child.pid, 'SIGTERM');
  };
}
