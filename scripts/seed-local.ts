// Prepares the local accounts database for `npm start` and the tests: applies the migrations
// and (re)creates the demo accounts. It only ever touches a local database, so the demo accounts
// cannot reach production.
//   node scripts/seed-local.ts [--persist-to <dir>]
import { parseArgs } from 'node:util';
import { applyMigrations, targetOf } from './d1.ts';
import { DEMO_ACCOUNTS, DEMO_STAFF } from './demo-accounts.ts';
import { addStaff } from './staff-role.ts';
import { addSubscriber, setPassword } from './subscribers.ts';

const { values } = parseArgs({ options: { 'persist-to': { type: 'string' } } });
const target = targetOf(values);

applyMigrations(target);
for (const account of DEMO_ACCOUNTS) {
  const until = Math.floor(Date.now() / 1000) + account.days * 86_400;
  await addSubscriber(target, { email: account.email, plan: account.plan, until, password: account.password });
}
addStaff(target, DEMO_STAFF.email);
await setPassword(target, DEMO_STAFF.email, DEMO_STAFF.password);
console.log(`Local accounts database ready, with ${DEMO_ACCOUNTS.length} demo accounts and a member of staff (see the README).`);
