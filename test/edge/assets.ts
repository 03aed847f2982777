/**
 * The built site's assets with some paths answered differently: how the edge tests simulate a
 * missing manifest, a failing full page or a moved publication time.
 */
export function assetsWith(assets: Fetcher, answer: (pathname: string) => Response | undefined): Fetcher {
  return {
    fetch: (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input, init);
      return Promise.resolve(answer(new URL(request.url).pathname) ?? assets.fetch(request));
    },
  } as Fetcher;
}
