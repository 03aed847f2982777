// The manifest the edge decides by: each story's public path, access level, meter key and the
// path of its full text. The edge refuses outside requests for this file.
import { createHash } from 'node:crypto';
import type { APIRoute } from 'astro';
import { isLocked, publishedArticles } from '../site.ts';
import { articlePath, fullPathOf, type Manifest } from '../paywall/manifest.ts';

function meterKeyOf(id: string): string {
  return createHash('sha256').update(id).digest('base64url').slice(0, 10);
}

export const GET: APIRoute = async () => {
  const articles = await publishedArticles();
  const manifest: Manifest = {
    version: 1,
    articles: articles.map((article) => {
      const path = articlePath(article.id);
      return {
        path,
        access: article.data.access,
        meterKey: meterKeyOf(article.id),
        ...(isLocked(article) ? { fullPath: fullPathOf(path) } : {}),
      };
    }),
  };
  const keys = new Set(manifest.articles.map((entry) => entry.meterKey));
  if (keys.size !== manifest.articles.length) {
    throw new Error('Two stories share a meter key. Rename one of the story files.');
  }
  return new Response(JSON.stringify(manifest), { headers: { 'Content-Type': 'application/json' } });
};
