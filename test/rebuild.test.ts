// Publishing one story into a large archive should not pay for the whole archive again: Astro keeps
// its content layer's data store in node_modules/.astro between builds (the folder CI caches, see
// docs/architecture.md), and a rebuild parses only the changed entries. What a rebuild writes
// must be exactly what a build from nothing writes, or a stale cache entry would reach readers.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { filesUnder } from '../scripts/bench/files.ts';
import { ProjectCopy } from './project-copy.ts';

const project = new ProjectCopy();
afterAll(() => project.remove());

function output(): Map<string, Buffer> {
  const dist = join(project.dir, 'dist');
  return new Map(filesUnder(dist).map((file) => [file, readFileSync(join(dist, file))]));
}

describe('a rebuild with the previous build’s cache', () => {
  it('writes the same files as a build from nothing after one new story', async () => {
    let { code, output: log } = await project.astro('build');
    expect(code, log).toBe(0);
    expect(existsSync(join(project.dir, 'node_modules/.astro/data-store.json'))).toBe(true);

    // An editor's new story: a copy of an existing one under a new file name, with its own headline.
    const stories = join(project.dir, 'content/stories');
    const source = readdirSync(stories).find((file) => /\.mdx?$/.test(file))!;
    const added = `follow-up-${source}`;
    project.write(join('content/stories', added), project.read(join('content/stories', source)).replace(/^title: .*$/m, 'title: "A follow-up to an earlier story"'));
    ({ code, output: log } = await project.astro('build'));
    expect(code, log).toBe(0);
    const rebuilt = output();
    expect([...rebuilt.keys()]).toContain(`stories/${added.replace(/\.mdx?$/, '')}/index.html`);

    rmSync(join(project.dir, 'node_modules/.astro'), { recursive: true, force: true });
    ({ code, output: log } = await project.astro('build'));
    expect(code, log).toBe(0);
    const fresh = output();

    expect([...rebuilt.keys()].sort()).toEqual([...fresh.keys()].sort());
    const differing = [...fresh].filter(([file, bytes]) => !rebuilt.get(file)?.equals(bytes)).map(([file]) => file);
    expect(differing).toEqual([]);
  }, 600_000);
});
