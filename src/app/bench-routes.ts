import { Hono } from 'hono';
import type { AppEnv } from './context.ts';

/**
 * The benchmark's reference point for `HEAD /resolve` (`npm run bench`, row 4): a bare route on
 * the same server, behind the same middleware, that answers with the headers a gated resolve
 * sends but decides nothing and reads nothing. Mounted only with AIRLOCK_BENCH_ROUTES=1.
 */
export function benchRoutes() {
  const app = new Hono<AppEnv>();
  app.on(['GET', 'HEAD'], '/_bench/head', (c) =>
    c.body(null, 200, {
      'X-Repo-Commit': '0'.repeat(40),
      ETag: `"${'0'.repeat(64)}"`,
      'X-Linked-Etag': `"${'0'.repeat(64)}"`,
      'X-Linked-Size': '1073741824',
      'Accept-Ranges': 'bytes',
      'Content-Type': 'application/octet-stream',
      'Content-Disposition': 'attachment; filename="model.safetensors"; filename*=UTF-8\'\'model.safetensors',
      'Cache-Control': 'private, no-store',
      Vary: 'Authorization, Cookie',
      'Content-Length': '1073741824',
    }),
  );
  return app;
}
