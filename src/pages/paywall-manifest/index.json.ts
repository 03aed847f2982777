// The manifest's index: the shard count and the stories under embargo (src/paywall-manifest.ts).
import type { APIRoute } from 'astro';
import { builtManifest } from '../../paywall-manifest.ts';

export const GET: APIRoute = async () => Response.json((await builtManifest()).index);
