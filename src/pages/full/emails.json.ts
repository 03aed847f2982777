// The emails the edge sends (content/emails/), checked, for the edge to read. Under FULL_PREFIX,
// so the edge refuses it to every outside request.
import type { APIRoute } from 'astro';
import { loadEmails } from '../../emails.ts';

export const GET: APIRoute = () => new Response(JSON.stringify(loadEmails()), { headers: { 'Content-Type': 'application/json' } });
