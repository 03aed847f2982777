import { Hono, type Context } from 'hono';
import { PAGES } from '../../src/paywall/contract.ts';
import type { AppEnv } from '../env.ts';
import { accountRoute, formLimit } from '../forms/index.ts';
import { endSession } from '../response/index.ts';
import { sameOrigin } from '../security/index.ts';
import { accountPage } from './account-page.ts';
import { logIn, loginPage } from './login.ts';
import { savePassword } from './password-form.ts';
import { safeReturnPath } from './return-path.ts';
import { deleteAccountSessions, deleteSession } from './store.ts';

async function logOut(c: Context<AppEnv>, everywhere: boolean): Promise<Response> {
  const sessionId = c.get('session')?.id;
  if (sessionId) await (everywhere ? deleteAccountSessions : deleteSession)(c.env.DB, sessionId);
  endSession(c);
  // An identity provider's own session ends at its logout endpoint, if the publisher named one.
  return c.redirect(c.env.IDP_LOGOUT_URL?.trim() || '/', 303);
}

/** Log in, the account page, passwords, log out. Mounted at the site's root. */
export const accounts = new Hono<AppEnv>();

for (const path of [PAGES.login, PAGES.account, PAGES.password, '/logout/', '/logout/everywhere/']) {
  accounts.use(path, accountRoute, formLimit);
}
accounts.get(PAGES.login, (c) => loginPage(c, { status: 200, returnTo: safeReturnPath(c.req.query('return')) }));
accounts.post(PAGES.login, sameOrigin, logIn);
accounts.get(PAGES.account, (c) => accountPage(c));
accounts.post(PAGES.password, sameOrigin, savePassword);
accounts.post('/logout/', sameOrigin, (c) => logOut(c, false));
accounts.post('/logout/everywhere/', sameOrigin, (c) => logOut(c, true));
