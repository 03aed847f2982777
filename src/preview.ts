/** How an editor previews a story with `npm run dev`: as each kind of reader would see it. */
export const PREVIEW_VIEWS = {
  reader: 'Reader with free stories left',
  wall: 'Reader at the wall',
  subscriber: 'Subscriber',
} as const;

export type PreviewView = keyof typeof PREVIEW_VIEWS;

export function previewPath(view: PreviewView, slug: string): string {
  return `/preview/${view}/${slug}/`;
}
