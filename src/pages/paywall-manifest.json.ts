// The manifest the edge decides by: each story's public path, access level, meter key, the path
// of its full text and when it is published. The edge refuses outside requests for this file.
import { createHash } from 'node:crypto';
import type { APIRoute } from 'astro';
import { fullPathOf } from '../paywall/contract.ts';
import type { Manifest } from '../paywall/manifest.ts';
import { allStories, isLocked } from '../site.ts';

function meterKeyOf(id: string): string {
  return createHash('sha256').update(id).digest('base64url').slice(0, 10);
}

export const GET: APIRoute = async () => {
  const stories = await allStories();
  const manifest: Manifest = {
    version: 1,
    stories: stories.map((story) => ({
      path: story.path,
      access: story.access,
      meterKey: meterKeyOf(story.id),
      publishAt: story.publishAt,
      ...(isLocked(story) ? { fullPath: fullPathOf(story.path) } : {}),
    })),
  };
  const keys = new Set(manifest.stories.map((entry) => entry.meterKey));
  if (keys.size !== manifest.stories.length) {
    throw new Error('Two stories share a meter key. Rename one of the story files.');
  }
  return new Response(JSON.stringify(manifest), { headers: { 'Content-Type': 'application/json' } });
};
