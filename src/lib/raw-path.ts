import { AppError } from './errors.ts';

/**
 * The request path split into segments and each decoded on its own, so that an encoded `/`
 * (`refs%2Fpr%2F1`) stays inside its segment. Routers decode too early for that.
 */
export function rawPathSegments(url: string): string[] {
  const pathname = new URL(url).pathname;
  return pathname.split('/').slice(1).map((segment) => {
    try {
      return decodeURIComponent(segment);
    } catch {
      throw new AppError('invalid_path', 400, 'The URL path has a malformed percent-encoding.', { field: 'path' });
    }
  });
}
