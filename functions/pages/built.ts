import type { Context } from 'hono';
import type { AppEnv } from '../env.ts';
import { safePage, type SafeStatus } from './index.ts';

/**
 * A page from the build, filled in for this reader by `rewriter` (log-in, account, checkout
 * return). If the build's page cannot be read, a safe page says so instead.
 */
export async function builtPage(c: Context<AppEnv>, path: string, status: 200 | SafeStatus, rewriter: HTMLRewriter): Promise<Response> {
  const asset = await c.env.ASSETS.fetch(new Request(new URL(path, c.req.url)));
  if (asset.status !== 200) return safePage(503, 'This page is not available right now');
  return rewriter.transform(new Response(asset.body, { status, headers: { 'Content-Type': 'text/html; charset=utf-8' } }));
}

/** Keeps an element and shows it, or removes it. */
export function showIf(show: boolean): HTMLRewriterElementContentHandlers {
  return { element: (element) => void (show ? element.removeAttribute('hidden') : element.remove()) };
}

/** Sets an element's text (escaped by the rewriter). */
export function text(value: string): HTMLRewriterElementContentHandlers {
  return { element: (element) => void element.setInnerContent(value) };
}

/** Sets one attribute of an element. */
export function attribute(name: string, value: string): HTMLRewriterElementContentHandlers {
  return { element: (element) => void element.setAttribute(name, value) };
}
