// Manages subscriber accounts. Works on the local database unless --remote is given.
//   npm run subscriber -- add <email> --plan <id> --until <date> [--password <pw>]
//   npm run subscriber -- list
//   npm run subscriber -- cancel <email>
//   npm run subscriber -- passwd <email> [--password <pw>]
import { parseArgs } from 'node:util';
import { formatDay } from '../src/paywall/dates.ts';
import {
  addSubscriber,
  AdminError,
  cancelSubscriber,
  checkedDate,
  checkedEmail,
  checkedPlan,
  listSubscribers,
  newPassword,
  setPassword,
} from './subscribers.ts';
import { targetOf } from './d1.ts';

const USAGE = `Usage:
  npm run subscriber -- add <email> --plan <id> --until <YYYY-MM-DD> [--password <pw>]
  npm run subscriber -- list
  npm run subscriber -- cancel <email>
  npm run subscriber -- passwd <email> [--password <pw>]
Add --remote to work on the production database instead of the local one.`;

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      plan: { type: 'string' },
      until: { type: 'string' },
      password: { type: 'string' },
      remote: { type: 'boolean', default: false },
      'persist-to': { type: 'string' },
    },
  });
  const [command, emailArgument] = positionals;
  const target = targetOf(values);
  const where = values.remote ? 'production' : 'local';

  switch (command) {
    case 'add': {
      const email = checkedEmail(emailArgument);
      const plan = checkedPlan(values.plan);
      const until = checkedDate(values.until);
      const password = values.password;
      const { created, generatedPassword } = await addSubscriber(target, { email, plan, until, ...(password ? { password } : {}) });
      console.log(`${created ? 'Created' : 'Updated'} ${email} (${where}): ${plan} until ${formatDay(new Date(until * 1000))}.`);
      if (generatedPassword) console.log(`Password: ${generatedPassword}`);
      return;
    }
    case 'list': {
      const rows = listSubscribers(target);
      if (!rows.length) return console.log(`No accounts in the ${where} database.`);
      for (const row of rows) {
        const until = row.current_period_end === null ? '' : formatDay(new Date(row.current_period_end * 1000));
        console.log([row.email, row.plan ?? '(no plan)', row.status ?? '', until, `${row.sessions} session(s)`].join('\t'));
      }
      return;
    }
    case 'cancel': {
      const email = checkedEmail(emailArgument);
      cancelSubscriber(target, email);
      console.log(`Cancelled ${email} (${where}); its sessions are closed.`);
      return;
    }
    case 'passwd': {
      const email = checkedEmail(emailArgument);
      const password = values.password ?? newPassword();
      await setPassword(target, email, password);
      console.log(`New password for ${email} (${where})${values.password ? '' : `: ${password}`}. Its sessions are closed.`);
      return;
    }
    default:
      throw new AdminError(command ? `Unknown command "${command}".` : 'Name a command.');
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof AdminError || error instanceof TypeError ? `${error.message}\n\n${USAGE}` : error);
  process.exit(error instanceof AdminError || error instanceof TypeError ? 2 : 1);
});
