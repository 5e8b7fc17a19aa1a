import { z } from 'zod';
import { ACCESS_LEVELS, REPO_TYPES } from './repos.tables.ts';

export const createRepositorySchema = z.object({
  repo: z.string().trim().regex(/^[^/]+\/[^/]+$/, 'give the repository as OWNER/NAME'),
  type: z.enum(REPO_TYPES).default('model'),
  private: z.boolean().default(false),
  accessLevel: z.enum(ACCESS_LEVELS).default('open'),
});
export type CreateRepositoryInput = z.input<typeof createRepositorySchema>;

export const updateRepositorySchema = z.object({
  private: z.boolean().optional(),
  accessLevel: z.enum(ACCESS_LEVELS).optional(),
});

/**
 * A branch or tag name, as git allows them (no `..`, `//`, leading `-`, `.` or `/`, trailing `/` or `.`).
 * `HEAD` and 40-hex names are refused: a revision given as such is read as HEAD or a commit id.
 */
const refNameSchema = z
  .string()
  .trim()
  .regex(/^(?![-./])(?!.*\/\/)(?!.*\.\.)[A-Za-z0-9._/-]{1,200}(?<![/.])$/, 'use letters, digits, ".", "_", "-" and "/", not starting with "-", "." or "/"')
  .refine((name) => name !== 'HEAD' && !/^[0-9a-f]{40}$/.test(name), 'HEAD and 40-hex names are reserved for the head and for commit ids');

const sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, 'must be a lowercase 64-hex sha256');

export const commitSchema = z.object({
  message: z.string().trim().min(1, 'write a commit message').max(10_000),
  branch: refNameSchema.default('main'),
  parentCommit: z.string().regex(/^[0-9a-f]{40}$/, 'must be a 40-hex commit id').optional(),
  operations: z
    .array(
      z.discriminatedUnion('op', [
        z.object({ op: z.literal('add'), path: z.string(), sha256: sha256Schema }),
        z.object({ op: z.literal('delete'), path: z.string() }),
      ]),
    )
    .min(1, 'a commit needs at least one operation')
    .max(100_000),
});
export type CommitInput = z.input<typeof commitSchema>;

export const tagSchema = z.object({
  tag: refNameSchema,
  revision: z.string().trim().min(1).default('main'),
});
