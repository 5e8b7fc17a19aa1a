import { Hono } from 'hono';
import type { AppDeps } from '../../app/deps.ts';
import type { AppEnv } from '../../app/context.ts';
import { sendPage } from '../web/web.support.ts';
import { buildOpenApiDocument, type RouteInfo } from './openapi.document.ts';
import { ApiReferencePage } from './openapi.pages.tsx';

/**
 * `/openapi.json` and `/docs/api`. `routes` is read at request time, so the document describes
 * every route of the finished app, whatever was mounted after this.
 */
export function openApiRoutes(deps: AppDeps, routes: () => RouteInfo[]) {
  const app = new Hono<AppEnv>();
  let cached: ReturnType<typeof buildOpenApiDocument> | undefined;
  // The route table is fixed once the app is built; build the document once.
  const documentOf = () => (cached ??= buildOpenApiDocument(routes(), deps.config.baseUrl));
  app.get('/openapi.json', (c) => c.json(documentOf(), 200, { 'Access-Control-Allow-Origin': '*' }));
  app.get('/docs/api', (c) => sendPage(c, <ApiReferencePage actor={c.get('actor')} doc={documentOf() as never} />));
  return app;
}
