import type { z } from 'zod';

/**
 * A data file in `content/` does not match its schema. The message names the file and every
 * field that is wrong, so an editor can fix it without reading code.
 */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function parseDataFile<T>(schema: z.ZodType<T>, raw: unknown, file: string): T {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const field = issue.path.length ? issue.path.join('.') : '(the whole file)';
    return `  - ${field}: ${issue.message}`;
  });
  throw new ConfigError(`${file} is not valid:\n${problems.join('\n')}\nFix the file and build again.`);
}
