// One shard of the manifest: the stories whose paths hash to it (src/paywall-manifest.ts).
import type { APIRoute, GetStaticPaths } from 'astro';
import { builtManifest } from '../../paywall-manifest.ts';
import type { ManifestShard } from '../../paywall/manifest.ts';

export const getStaticPaths = (async () => {
  const { shards } = await builtManifest();
  return shards.map((stories, shard) => ({ params: { shard: String(shard) }, props: { stories } }));
}) satisfies GetStaticPaths;

export const GET: APIRoute = ({ props }) => {
  const shard: ManifestShard = { version: 2, stories: (props as { stories: ManifestShard['stories'] }).stories };
  return Response.json(shard);
};
