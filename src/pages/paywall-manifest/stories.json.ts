// Every story's title, section and author, which the newsroom's tables name stories by (src/paywall-manifest.ts).
import type { APIRoute } from 'astro';
import { builtStoryList } from '../../paywall-manifest.ts';

export const GET: APIRoute = async () => Response.json(await builtStoryList());
