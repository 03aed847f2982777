// What a content/ data file's schema tells an editor when it refuses a file.
import { expect } from 'vitest';
import type { z } from 'zod';
import { ConfigError, parseDataFile } from '../src/paywall/config-error.ts';

/** The message `schema` refuses `raw` with, as the build prints it for `file`; fails the test if it accepts it. */
export function refusalOf<T>(schema: z.ZodType<T>, raw: unknown, file: string): string {
  try {
    parseDataFile(schema, raw, file);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error(`${file}: the schema accepted a file it should refuse`);
}
