// Proves the test suite holds for any publication: copies the project to a scratch folder,
// replaces its content/ with a generated publication that shares nothing with the demo (see
// scripts/publication.ts), and runs `npm test` there, as a publisher who replaced content/ would.
//   npm run test:publication [-- --keep]
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ProjectCopy } from '../test/project-copy.ts';
import { writePublication } from './publication.ts';

const { values } = parseArgs({ options: { keep: { type: 'boolean', default: false } } });

const copy = new ProjectCopy({ whole: true, prefix: 'presswall-publication-' });
writePublication(join(copy.dir, 'content'));
console.log(`A generated publication replaces content/ in ${copy.dir}; running npm test there.`);

const { status } = spawnSync('npm', ['test'], { cwd: copy.dir, stdio: 'inherit', env: process.env });
if (values.keep) console.log(`The copy stays in ${copy.dir}.`);
else copy.remove();
if (status !== 0) console.error('npm test failed for the generated publication: a test relies on the demo content.');
process.exit(status ?? 1);
