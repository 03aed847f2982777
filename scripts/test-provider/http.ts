// Small helpers over node:http: reading bodies with a size limit, and writing responses.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Bodies above this are refused, as the real APIs refuse them, before they are parsed. */
const MAX_BODY_BYTES = 1024 * 1024;

const DRAIN_LIMIT_BYTES = 16 * MAX_BODY_BYTES;

export class BodyTooLargeError extends Error {
  constructor() {
    super(`The request body is larger than ${MAX_BODY_BYTES} bytes.`);
  }
}

/**
 * Reads the whole body as UTF-8. A body over MAX_BODY_BYTES is read to its end and dropped (so
 * the client, still uploading, gets the error rather than a reset connection), then refused.
 */
export async function readBody(req: IncomingMessage): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? 0);
  // Not worth draining: answer at once and let send() close the connection.
  if (declared > DRAIN_LIMIT_BYTES) throw new BodyTooLargeError();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    else if (size > DRAIN_LIMIT_BYTES) break;
  }
  if (size > MAX_BODY_BYTES) throw new BodyTooLargeError();
  return Buffer.concat(chunks).toString('utf8');
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  send(res, status, `${JSON.stringify(body, null, 2)}\n`, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
}

export function sendHtml(res: ServerResponse, status: number, html: string): void {
  send(res, status, html, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
}

/** 303 See Other: after a form POST the browser follows with a GET. */
export function redirect(res: ServerResponse, location: string): void {
  send(res, 303, '', { Location: location });
}

export function send(res: ServerResponse, status: number, body: string, headers: Record<string, string>): void {
  if (res.headersSent) return;
  // A refused upload may still be streaming in; closing the connection stops it.
  const closing = res.req.complete ? {} : { Connection: 'close' };
  res.writeHead(status, { ...headers, ...closing, 'Content-Length': String(Buffer.byteLength(body)) });
  res.end(body);
}

/** What the client sent in the Authorization header, decoded. */
export type Credentials = { scheme: 'bearer'; token: string } | { scheme: 'basic'; user: string; password: string };

export function credentialsOf(req: IncomingMessage): Credentials | undefined {
  const header = req.headers.authorization?.trim();
  if (!header) return undefined;
  const [scheme, value = ''] = header.split(/\s+/, 2);
  if (scheme?.toLowerCase() === 'bearer' && value) return { scheme: 'bearer', token: value };
  if (scheme?.toLowerCase() === 'basic' && value) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon < 0 ? { scheme: 'basic', user: decoded, password: '' } : { scheme: 'basic', user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  return undefined;
}

/** Matches `/v1/customers/:id` style patterns; returns the named segments or undefined. */
export function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const patternParts = pattern.split('/');
  const pathParts = path.split('/');
  if (patternParts.length !== pathParts.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, part] of patternParts.entries()) {
    const actual = pathParts[index] ?? '';
    if (part.startsWith(':')) {
      if (!actual) return undefined;
      try {
        params[part.slice(1)] = decodeURIComponent(actual);
      } catch {
        return undefined;
      }
    } else if (part !== actual) {
      return undefined;
    }
  }
  return params;
}
