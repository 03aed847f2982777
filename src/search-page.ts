// The search page's script: asks Pagefind's index and lists the matching stories. It runs only on
// /search/; story pages ship no JavaScript.

interface PagefindResult {
  data(): Promise<{ url: string; excerpt: string; meta: { title?: string } }>;
}
interface Pagefind {
  search(query: string): Promise<{ results: PagefindResult[] }>;
  mergeIndex(bundle: string): Promise<void>;
}

/** Older stories are indexed in bundles of their own (scripts/search-index.ts), listed here. */
const ARCHIVE_LIST = '/pagefind/archive.json';

/** Pagefind's main bundle with every archive bundle merged in, so one search covers every story. */
async function loadPagefind(): Promise<Pagefind> {
  // A path held in a variable, so the bundler leaves Pagefind's own file alone.
  const bundle = '/pagefind/pagefind.js';
  const [pagefind, archive] = await Promise.all([
    import(/* @vite-ignore */ bundle) as Promise<Pagefind>,
    fetch(ARCHIVE_LIST).then((response) => {
      if (!response.ok) throw new Error(`${ARCHIVE_LIST}: ${response.status}`);
      return response.json() as Promise<{ bundles: string[] }>;
    }),
  ]);
  for (const archived of archive.bundles) await pagefind.mergeIndex(archived);
  return pagefind;
}

const MAX_RESULTS = 20;

/** Pagefind's excerpts mark matches with <mark>; keep that and nothing else. */
function excerptNodes(document: Document, excerpt: string): Node[] {
  return excerpt.split(/(<mark>.*?<\/mark>)/).map((part) => {
    const marked = /^<mark>(.*)<\/mark>$/.exec(part);
    if (!marked) return document.createTextNode(part.replace(/<[^>]*>/g, ''));
    const mark = document.createElement('mark');
    mark.textContent = marked[1]!.replace(/<[^>]*>/g, '');
    return mark;
  });
}

export function runSearchPage(document: Document): void {
  const form = document.querySelector<HTMLFormElement>('[data-search-form]')!;
  const input = form.querySelector<HTMLInputElement>('input[name="q"]')!;
  const status = document.querySelector<HTMLElement>('[data-search-status]')!;
  const list = document.querySelector<HTMLOListElement>('[data-search-results]')!;
  let pagefind: Promise<Pagefind> | undefined;

  async function search(query: string): Promise<void> {
    list.replaceChildren();
    if (!query.trim()) {
      status.textContent = '';
      return;
    }
    status.textContent = 'Searching…';
    pagefind ??= loadPagefind();
    const { results } = await (await pagefind).search(query);
    const shown = await Promise.all(results.slice(0, MAX_RESULTS).map((result) => result.data()));
    status.textContent = shown.length ? `${results.length} ${results.length === 1 ? 'story' : 'stories'} found.` : 'No stories found.';
    for (const result of shown) {
      const item = document.createElement('li');
      const link = document.createElement('a');
      link.href = result.url.replace(/index\.html$/, '');
      link.textContent = result.meta.title ?? result.url;
      const excerpt = document.createElement('p');
      excerpt.append(...excerptNodes(document, result.excerpt));
      item.append(link, excerpt);
      list.append(item);
    }
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const query = input.value;
    history.replaceState(null, '', `?q=${encodeURIComponent(query)}`);
    void search(query).catch(() => {
      status.textContent = 'Search is not available right now.';
    });
  });
  const initial = new URLSearchParams(location.search).get('q');
  if (initial) {
    input.value = initial;
    void search(initial).catch(() => {
      status.textContent = 'Search is not available right now.';
    });
  }
}
