// Gives the staff role, which opens the newsroom at /newsroom/. Works on the local database
// unless --remote is given.
//   npm run staff -- add <email>
//   npm run staff -- list
//   npm run staff -- remove <email>
import { parseArgs } from 'node:util';
import { PAGES } from '../src/paywall/contract.ts';
import { targetOf } from './d1.ts';
import { addStaff, listStaff, removeStaff } from './staff-role.ts';
import { AdminError, checkedEmail } from './subscribers.ts';

const USAGE = `Usage:
  npm run staff -- add <email>
  npm run staff -- list
  npm run staff -- remove <email>
Add --remote to work on the production database instead of the local one.`;

function main(): void {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { remote: { type: 'boolean', default: false }, 'persist-to': { type: 'string' } },
  });
  const [command, emailArgument] = positionals;
  const target = targetOf(values);
  const where = values.remote ? 'production' : 'local';

  switch (command) {
    case 'add': {
      const email = checkedEmail(emailArgument);
      const { created } = addStaff(target, email);
      const how = created ? 'A new account: they log in with a link sent to that address' : 'They log in as before, with a link or their password';
      console.log(`${email} is staff (${where}). ${how}, then open ${PAGES.newsroom}.`);
      return;
    }
    case 'list': {
      const rows = listStaff(target);
      if (!rows.length) return console.log(`No staff in the ${where} database.`);
      for (const row of rows) console.log([row.email, row.confirmed ? 'confirmed' : 'email not confirmed yet', `${row.sessions} session(s)`].join('\t'));
      return;
    }
    case 'remove': {
      const email = checkedEmail(emailArgument);
      removeStaff(target, email);
      console.log(`${email} is no longer staff (${where}); the newsroom is closed to them from their next request.`);
      return;
    }
    default:
      throw new AdminError(command ? `Unknown command "${command}".` : 'Name a command.');
  }
}

try {
  main();
} catch (error) {
  console.error(error instanceof AdminError || error instanceof TypeError ? `${error.message}\n\n${USAGE}` : error);
  process.exit(error instanceof AdminError || error instanceof TypeError ? 2 : 1);
}
