/**
 * The absolute address of a list's next page: the request's own path and query with `params` set.
 * Absolute and on the public base URL, because the Hugging Face JS client follows only an absolute
 * http(s) `Link`, and a proxy in front may have changed the host the request arrived on.
 */
export function nextPageUrl(requestUrl: string, baseUrl: string, params: Record<string, string>): string {
  const asked = new URL(requestUrl, baseUrl);
  const next = new URL(asked.pathname + asked.search, baseUrl);
  for (const [name, value] of Object.entries(params)) next.searchParams.set(name, value);
  return next.toString();
}
