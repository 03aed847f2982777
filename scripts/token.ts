// Prints a session cookie, NAME=VALUE, that the local worker accepts: how editors preview as a
// subscriber and how tests sign in.
//   npm run -s token -- --plan essential [--days 30] [--expired]
import { readFileSync } from 'node:fs';
import { parseArgs, parseEnv } from 'node:util';
import { COOKIES } from '../src/paywall/contract.ts';
import { findPlan, plansFile } from '../src/paywall/plans.ts';
import { sessionKeys } from '../functions/session/keys.ts';
import { signSession } from '../functions/session/index.ts';

const usage = 'Usage: npm run -s token -- --plan <plan-id> [--days N] [--expired]';

function fail(message: string): never {
  console.error(`${message}\n${usage}`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    options: { plan: { type: 'string' }, days: { type: 'string', default: '30' }, expired: { type: 'boolean', default: false } },
  }));
} catch (error) {
  fail((error as Error).message);
}
const plan = values.plan ?? fail('Name a plan with --plan.');
if (!findPlan(plan)) fail(`Unknown plan "${plan}". Plans: ${plansFile.plans.map((p) => p.id).join(', ')}.`);
const days = Number(values.days);
if (!Number.isInteger(days) || days < 1 || days > 3660) fail('--days must be a whole number from 1 to 3660.');

let devVars: string;
try {
  devVars = readFileSync(new URL('../.dev.vars', import.meta.url), 'utf8');
} catch {
  fail('.dev.vars is missing. Run `npm start` once (or `npm run setup`) to create it.');
}

const now = new Date();
const day = 86_400_000;
const planEnds = values.expired ? new Date(now.getTime() - day) : new Date(now.getTime() + days * day);
const token = await signSession(
  { subject: `preview-${plan}`, plan, planEnds, lifetime: days * 86_400 },
  await sessionKeys(parseEnv(devVars)),
  now,
);
console.log(`${COOKIES.session}=${token}`);
