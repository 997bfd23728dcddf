import type { Json, Latchkey, Page, Query } from '../../packages/client/src/index.ts';
import { CliError, EXIT } from './exit-codes.ts';

/** The API's largest page (API.md: `limit` 1–100). */
export const PAGE_SIZE = 100;

/**
 * Every page of an API list, following `page_info.end_cursor` (as `after`) until it is null, so
 * that a list the server pages is shown whole. `limit` is the page size (default 100).
 */
export async function* everyPage<T = Json>(
  client: Latchkey,
  path: string,
  query: Query = {},
): AsyncGenerator<Page<T>> {
  const seen = new Set<string>();
  let after: string | undefined;
  for (;;) {
    const page = await client.request<Page<T>>('GET', path, {
      query: { limit: PAGE_SIZE, ...query, after },
    });
    yield page;
    const next = page.page_info?.end_cursor ?? null;
    if (next === null) return;
    // A server that hands back a cursor it already gave would loop this forever.
    if (seen.has(next)) {
      throw new CliError(`The server repeated a page cursor while listing ${path}.`, EXIT.failure);
    }
    seen.add(next);
    after = next;
  }
}

/** Every item of an API list, across all its pages. */
export async function listAll<T = Json>(
  client: Latchkey,
  path: string,
  query: Query = {},
): Promise<T[]> {
  const items: T[] = [];
  for await (const page of everyPage<T>(client, path, query)) items.push(...page.data);
  return items;
}
