import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { AppError } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import { renderErrorPage } from '../modules/web/error-page.tsx';
import { loggedPath } from './middleware/request-context.ts';

/** Routes the Hugging Face clients call; they read `{"error"}` from `application/json` only. */
const isHubPath = (path: string) => /^\/api\/(models|datasets|whoami-v2)(\/|$)/.test(path) || /\/resolve\//.test(path);

const wantsHtml = (c: Context) => {
  if (c.req.path.startsWith('/api/')) return false;
  return (c.req.header('accept') ?? '').includes('text/html');
};

function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof HTTPException) {
    const code = error.status === 413 ? 'payload_too_large' : error.status === 403 ? 'csrf_rejected' : 'bad_request';
    const message = error.status === 403 ? 'This form was sent from another site or an expired page. Reload the page and try again.' : error.message || 'Bad request.';
    return new AppError(code, error.status, message);
  }
  if (error instanceof SyntaxError) return new AppError('invalid_json', 400, 'The request body is not valid JSON.', { field: 'body' });
  return new AppError('internal_error', 500, 'Something went wrong on the server. It has been logged; try again, and report it if it persists.');
}

/**
 * The one place errors become responses: problem+json for the API (with `error` too, for the Hub
 * clients), the Hub's `X-Error-Code`/`X-Error-Message` headers, and a readable page for browsers.
 */
export const createErrorHandler = (logger: Logger) => (error: unknown, c: Context) => {
  const appError = toAppError(error);
  if (appError.status >= 500) logger.error({ err: error, requestId: c.get('requestId'), path: loggedPath(c.req.path) }, 'unhandled error');
  const headers: Record<string, string> = { ...appError.headers, 'Cache-Control': 'no-store' };
  if (appError.hubCode) headers['X-Error-Code'] = appError.hubCode;
  // Header values must be Latin-1; the message is also in the body in full.
  headers['X-Error-Message'] = appError.message.replace(/[^\x20-\x7e]/g, '?').slice(0, 1000);
  const status = appError.status as ContentfulStatusCode;
  if (c.req.method === 'HEAD') return c.body(null, status, headers);
  if (wantsHtml(c)) return c.html(renderErrorPage(appError, c), status, headers);
  const body = {
    type: `urn:airlock:error:${appError.code}`,
    title: appError.code.replace(/_/g, ' '),
    status: appError.status,
    detail: appError.message,
    code: appError.code,
    ...(appError.field ? { field: appError.field } : {}),
    ...(appError.details ? { details: appError.details } : {}),
    error: appError.message,
    requestId: c.get('requestId'),
  };
  return c.body(JSON.stringify(body), status, { ...headers, 'Content-Type': isHubPath(c.req.path) ? 'application/json' : 'application/problem+json' });
};
