/**
 * Every failure the platform reports carries a stable `code` and an HTTP status.
 * They are mapped to responses in exactly one place (`src/app/error-handler.ts`).
 */
export type HubErrorCode = 'RepoNotFound' | 'RevisionNotFound' | 'EntryNotFound' | 'GatedRepo';

export interface AppErrorOptions {
  /** The input field at fault, for validation errors. */
  field?: string;
  /** `X-Error-Code` for the Hugging Face clients. */
  hubCode?: HubErrorCode;
  /** Extra headers the response must carry (for example `X-Repo-Commit` on EntryNotFound). */
  headers?: Record<string, string>;
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly field?: string;
  readonly hubCode?: HubErrorCode;
  readonly headers: Record<string, string>;
  readonly details?: Record<string, unknown>;

  constructor(code: string, status: number, message: string, options: AppErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = status;
    this.field = options.field;
    this.hubCode = options.hubCode;
    this.headers = options.headers ?? {};
    this.details = options.details;
  }
}

export const badRequest = (code: string, message: string, field?: string) =>
  new AppError(code, 400, message, { field });

export const notFound = (code: string, message: string, options: AppErrorOptions = {}) =>
  new AppError(code, 404, message, options);

export const conflict = (code: string, message: string, field?: string) => new AppError(code, 409, message, { field });

export const unauthenticated = (message = 'Sign in or pass a token in the Authorization header.') =>
  new AppError('authentication_required', 401, message);

export const forbidden = (message: string, code = 'forbidden') => new AppError(code, 403, message);

export const isAppError = (error: unknown): error is AppError => error instanceof AppError;
