import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

export const DIST = 'dist';

/** Every file the build wrote, as site paths ("/stories/x/index.html"). */
export function builtFiles(dir = DIST): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? builtFiles(path) : [`/${relative(DIST, path)}`];
  });
}
