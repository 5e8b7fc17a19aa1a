import { z } from 'zod';

/** First path segments the site uses itself; a user or organisation with such a name could not have pages. */
export const RESERVED_NAMESPACES = new Set([
  'api', 'datasets', 'models', 'spaces', 'settings', 'static', 'login', 'logout', 'signup', 'healthz', 'admin', 'docs',
  'openapi.json', '.well-known', 'ga4gh', 'review', 'me', 'orgs', 'new', 'search', 'transparency', 'moderation', 'audit', 'courses', 'credentials',
  'staff', 'references', 'trainings', 'metrics', 'misuse', 'notifications', '_bench',
]);

export const usernameSchema = z
  .string()
  .trim()
  .regex(/^(?![-.])(?!.*(--|\.\.))[A-Za-z0-9_.-]{2,42}(?<![-.])$/, 'use 2–42 letters, digits, "-", "_" or "."; no leading or trailing "-" or "."')
  .refine((name) => !RESERVED_NAMESPACES.has(name.toLowerCase()), 'this name is reserved by the site; choose another');

export const passwordSchema = z.string().min(10, 'use at least 10 characters').max(1024, 'use at most 1024 characters');

export const PLATFORM_ROLES = ['admin', 'moderator', 'credentialing'] as const;
export type PlatformRole = (typeof PLATFORM_ROLES)[number];

export const registerSchema = z.object({
  username: usernameSchema,
  email: z.string().trim().email('enter a valid email address').max(320),
  displayName: z.string().trim().max(200).optional(),
  password: passwordSchema,
});
export type RegisterInput = z.input<typeof registerSchema>;

export const signInSchema = z.object({
  username: z.string().trim().min(1, 'enter your username or email').max(320),
  password: z.string().min(1, 'enter your password').max(1024),
});
