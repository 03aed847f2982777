import type { Context } from 'hono';
import { PAGES } from '../../src/paywall/contract.ts';
import type { AppEnv } from '../env.ts';
import { safePage } from './index.ts';

/** The site's own 404 page, for paths the edge refuses or holds back (guarded files, embargoes). */
export async function notFound(c: Context<AppEnv>): Promise<Response> {
  const page = await c.env.ASSETS.fetch(new Request(new URL(PAGES.notFound, c.req.url)));
  if (page.status !== 200) return safePage(404, 'We could not find that page');
  return new Response(page.body, { status: 404, headers: page.headers });
}
