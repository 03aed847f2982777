// `npm run deploy` (after `npm run build`): brings the R2 archive to this build, then deploys the
// Worker and its static assets with wrangler.
//
// 1. Uploads the archive's objects (dist-r2/) whose content hash differs from the manifest the
//    bucket keeps of the last deploy, or that the bucket lacks (scripts/archive-bucket.ts).
// 2. Deploys the Worker and dist/ (`wrangler deploy`; the asset upload skips files it already has).
//    New objects are in place before the Worker that reads them.
// 3. Deletes the objects this build no longer has, now that no deployed Worker reads them, and
//    writes the bucket's manifest last.
// It prints how many objects it uploaded, kept and deleted. Stopped anywhere, it can be run again
// and finishes the job: the manifest never lists an object before it is stored.
//
//   npm run deploy                                   # build, then all of the above, to your account
//   node scripts/deploy.ts --local                   # the archive step against `npm start`'s local R2
//   node scripts/deploy.ts --local --persist-to DIR --archive dist-r2
//
// --local needs no account and no network: it syncs wrangler dev's simulated bucket in the persist
// folder (default .wrangler/state, as `npm start` uses) and deploys no Worker.
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { ARCHIVE_DIR } from './archive.ts';
import { openArchiveBucket, pruneArchive, uploadArchive } from './archive-bucket.ts';

const { values } = parseArgs({
  options: {
    local: { type: 'boolean', default: false },
    'persist-to': { type: 'string', default: '.wrangler/state' },
    archive: { type: 'string', default: ARCHIVE_DIR },
  },
});

const where = values.local ? { persistTo: values['persist-to'] } : 'remote';
const { bucket, name, close } = await openArchiveBucket(where);
try {
  console.log(`Archive: bringing ${values.local ? `the local bucket in ${values['persist-to']}` : `the bucket ${name}`} to ${values.archive}/…`);
  const { uploaded, kept, stale } = await uploadArchive(bucket, values.archive, (line) => console.log(line));
  if (!values.local) {
    const deploy = spawnSync(process.execPath, ['node_modules/wrangler/bin/wrangler.js', 'deploy'], { stdio: 'inherit' });
    if (deploy.status !== 0) {
      console.error(`wrangler deploy failed; the archive kept its old objects. Uploaded ${uploaded}, kept ${kept}. Run npm run deploy again.`);
      process.exitCode = 1;
    }
  }
  if (process.exitCode !== 1) {
    const deleted = await pruneArchive(bucket, values.archive, stale);
    console.log(`Archive: uploaded ${uploaded}, kept ${kept}, deleted ${deleted} objects.`);
  }
} finally {
  await close();
}
