// Each Worker test file gets its own D1, migrated as production is, and its own R2 archive
// holding the build's objects, as the deploy uploads them.
import { applyD1Migrations } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { HASH_METADATA } from '../src/paywall/archive.ts';

declare global {
  namespace Cloudflare {
    interface Env {
      TEST_MIGRATIONS: import('cloudflare:test').D1Migration[];
      TEST_STORIES: import('../test/story.ts').SourceStory[];
      TEST_BUILT_FILES: string[];
      /** test/dist.ts archiveObjects(): the build's archive objects, bodies in base64. */
      TEST_ARCHIVE: { key: string; hash: string; type: string; base64: string }[];
      MIGRATION_TEST_DB: D1Database;
    }
  }
}

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
await Promise.all(
  env.TEST_ARCHIVE.map((object) =>
    env.ARCHIVE.put(object.key, Uint8Array.from(atob(object.base64), (char) => char.charCodeAt(0)), {
      httpMetadata: { contentType: object.type },
      customMetadata: { [HASH_METADATA]: object.hash },
    }),
  ),
);
