// Each Worker test file gets its own D1, migrated as production is.
import { applyD1Migrations } from 'cloudflare:test';
import { env } from 'cloudflare:workers';

declare global {
  namespace Cloudflare {
    interface Env {
      TEST_MIGRATIONS: import('cloudflare:test').D1Migration[];
      TEST_STORIES: import('../test/story.ts').SourceStory[];
      TEST_BUILT_FILES: string[];
      MIGRATION_TEST_DB: D1Database;
    }
  }
}

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
