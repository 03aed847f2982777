// A reader for journey tests: one browser's cookie jar over plain HTTP, following redirects.
import { execFileSync } from 'node:child_process';
import { inject } from 'vitest';
import { textOf } from './html.ts';

export interface Page {
  status: number;
  headers: Headers;
  html: string;
  text: string;
}

export class Reader {
  readonly jar = new Map<string, string>();

  constructor(cookies: Record<string, string> = {}) {
    for (const [name, value] of Object.entries(cookies)) this.jar.set(name, value);
  }

  /** A reader whose session cookie comes from `npm run token`, as an editor would get one. */
  static withToken(...args: string[]): Reader {
    const line = execFileSync(process.execPath, ['scripts/token.ts', ...args], { encoding: 'utf8' }).trim();
    const [, name, value] = line.match(/^([^=]+)=(.+)$/) ?? [];
    if (!name || !value) throw new Error(`npm run token printed "${line}", not NAME=VALUE`);
    return new Reader({ [name]: value });
  }

  /**
   * Sends a form as a browser does from one of the site's pages, and follows the redirect (or,
   * with `follow: false`, stops at it: a redirect to another site, such as a payment page).
   */
  post(path: string, fields: Record<string, string>, { follow = true } = {}): Promise<Page> {
    return this.get(
      path,
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: inject('baseUrl') },
        body: new URLSearchParams(fields).toString(),
      },
      follow ? 5 : 0,
    );
  }

  async get(path: string, init: RequestInit = {}, redirects = 5): Promise<Page> {
    let url = new URL(path, inject('baseUrl'));
    for (let hop = 0; hop <= redirects; hop++) {
      const headers = new Headers(init.headers);
      if (this.jar.size) headers.set('Cookie', [...this.jar].map(([name, value]) => `${name}=${value}`).join('; '));
      const response = await fetch(url, { ...init, headers, redirect: 'manual' });
      for (const cookie of response.headers.getSetCookie()) {
        const [pair = ''] = cookie.split(';');
        const eq = pair.indexOf('=');
        const value = pair.slice(eq + 1);
        if (value && !/max-age=0/i.test(cookie)) this.jar.set(pair.slice(0, eq), value);
        else this.jar.delete(pair.slice(0, eq));
      }
      const location = response.headers.get('Location');
      if (response.status >= 300 && response.status < 400 && location && hop < redirects) {
        url = new URL(location, url);
        init = {}; // Browsers follow a redirect after a form with a plain GET.
        continue;
      }
      const html = await response.text();
      return { status: response.status, headers: response.headers, html, text: textOf(html) };
    }
    throw new Error(`Too many redirects from ${path}`);
  }
}
