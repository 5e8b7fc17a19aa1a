import path from 'node:path';
import { z } from 'zod';

const configSchema = z.object({
  port: z.coerce.number().int().min(0).max(65535),
  host: z.string().min(1),
  dataDir: z.string().min(1),
  databaseUrl: z.string().url().optional(),
  publicUrl: z.string().url().optional(),
  storage: z.string().default('fs'),
  /** S3 connection for `storage: s3://…`: the AWS variables; unset credentials fall back to the SDK's own chain. */
  s3: z.object({
    endpoint: z.string().url().optional(),
    region: z.string().min(1).optional(),
    accessKeyId: z.string().min(1).optional(),
    secretAccessKey: z.string().min(1).optional(),
    sessionToken: z.string().min(1).optional(),
    /** Path-style addressing (`endpoint/bucket/key`); the default with a custom endpoint. */
    forcePathStyle: z.boolean().optional(),
  }).default({}),
  /** Redirect downloads of files that are not fingerprinted to a presigned S3 URL (AIRLOCK_S3_REDIRECT=0 streams them). */
  s3Redirect: z.boolean().default(true),
  /** How long a presigned download URL works, in seconds. */
  s3PresignSeconds: z.coerce.number().int().min(10).max(86_400).default(300),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  /** Where mail goes; without it each message is written to `<dataDir>/mail-outbox/` as an .eml file. */
  smtpUrl: z.string().url().refine((u) => /^smtps?:\/\//i.test(u), 'use an smtp:// or smtps:// URL').optional(),
  mailFrom: z.string().min(3).default('airlock@localhost'),
  /** The shortest research summary a credential application may be submitted with. */
  credentialSummaryMin: z.coerce.number().int().min(0).max(20_000).default(200),
  /**
   * `strict` (default): releasing above `open` needs a submitted assessment, so a repository cannot
   * even be created at a gated level without one (create it at `no-download`, submit one, then open
   * up). `changes`: creation at any level is allowed and the rule applies to later level changes
   * only, for platforms that review releases after the fact.
   */
  releaseReview: z.enum(['changes', 'strict']).default('strict'),
  /** Mounts `/_bench/*` reference routes for `npm run bench`; never set in production. */
  benchRoutes: z.boolean().default(false),
  /** Bearer token for `/metrics`; without it, `/metrics` answers loopback callers only. */
  metricsToken: z.string().min(16, 'use at least 16 characters').optional(),
  /** Webhook delivery: the bound on one attempt, the first retry delay (doubling after), the outbox poll. */
  webhookTimeoutMs: z.coerce.number().int().min(100).max(120_000).default(10_000),
  webhookRetryBaseMs: z.coerce.number().int().min(10).max(86_400_000).default(30_000),
  webhookPollMs: z.coerce.number().int().min(10).max(600_000).default(1000),
  /** The mail outbox: how often each instance polls it, the first retry delay (doubling after), and how long a claim holds before another instance may take the mail. */
  mailPollMs: z.coerce.number().int().min(10).max(600_000).default(5000),
  mailRetryBaseMs: z.coerce.number().int().min(10).max(86_400_000).default(60_000),
  mailLeaseMs: z.coerce.number().int().min(1000).max(3_600_000).default(300_000),
  /** When the server's own expiry sweeps first run after start (then hourly); `airlock admin sweep` runs one at once. */
  sweepDelayMs: z.coerce.number().int().min(0).max(86_400_000).default(60_000),
  /** OpenID Connect providers for sign-in (AIRLOCK_OIDC_PROVIDERS, a JSON array). */
  oidcProviders: z.preprocess(
    (value) => {
      if (typeof value !== 'string') return value;
      try {
        return JSON.parse(value);
      } catch {
        return value; // reported as "expected array"
      }
    },
    z.array(z.object({
      id: z.string().regex(/^[a-z0-9-]{1,40}$/, 'use lowercase letters, digits and "-"'),
      name: z.string().min(1).max(100),
      issuer: z.string().url(),
      clientId: z.string().min(1),
      clientSecret: z.string().optional(),
      /** A claim that names the user's institution, copied into an empty profile ("affiliation" by default). */
      affiliationClaim: z.string().default('affiliation'),
    })),
  ).default([]),
});

export type Config = z.infer<typeof configSchema> & {
  /** Where the server tells clients to go; AIRLOCK_PUBLIC_URL or the listening address. */
  readonly baseUrl: string;
};

/** Reads the configuration from the environment. Defaults work on a laptop. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<z.input<typeof configSchema>> = {}): Config {
  const parsed = configSchema.safeParse({
    port: env.PORT ?? 8080,
    host: env.HOST ?? '127.0.0.1',
    dataDir: path.resolve(env.AIRLOCK_DATA ?? './data'),
    databaseUrl: env.DATABASE_URL || undefined,
    publicUrl: env.AIRLOCK_PUBLIC_URL || undefined,
    storage: env.AIRLOCK_STORAGE || 'fs',
    s3: {
      endpoint: env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined,
      region: env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined,
      accessKeyId: env.AWS_ACCESS_KEY_ID || undefined,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY || undefined,
      sessionToken: env.AWS_SESSION_TOKEN || undefined,
      forcePathStyle: env.AIRLOCK_S3_FORCE_PATH_STYLE ? env.AIRLOCK_S3_FORCE_PATH_STYLE !== '0' : undefined,
    },
    s3Redirect: env.AIRLOCK_S3_REDIRECT !== '0',
    s3PresignSeconds: env.AIRLOCK_S3_PRESIGN_SECONDS || undefined,
    logLevel: env.LOG_LEVEL ?? 'info',
    smtpUrl: env.SMTP_URL || undefined,
    mailFrom: env.AIRLOCK_MAIL_FROM || undefined,
    credentialSummaryMin: env.AIRLOCK_CREDENTIAL_SUMMARY_MIN || undefined,
    releaseReview: env.AIRLOCK_RELEASE_REVIEW || undefined,
    benchRoutes: env.AIRLOCK_BENCH_ROUTES === '1',
    metricsToken: env.AIRLOCK_METRICS_TOKEN || undefined,
    webhookTimeoutMs: env.AIRLOCK_WEBHOOK_TIMEOUT_MS || undefined,
    webhookRetryBaseMs: env.AIRLOCK_WEBHOOK_RETRY_BASE_MS || undefined,
    mailPollMs: env.AIRLOCK_MAIL_POLL_MS || undefined,
    mailRetryBaseMs: env.AIRLOCK_MAIL_RETRY_BASE_MS || undefined,
    mailLeaseMs: env.AIRLOCK_MAIL_LEASE_MS || undefined,
    sweepDelayMs: env.AIRLOCK_SWEEP_DELAY_MS || undefined,
    oidcProviders: env.AIRLOCK_OIDC_PROVIDERS || undefined,
    ...overrides,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`Invalid configuration: ${issue.path.join('.')}: ${issue.message}. Check the environment variable and start again.`);
  }
  const config = parsed.data;
  const baseUrl = (config.publicUrl ?? `http://${config.host}:${config.port}`).replace(/\/+$/, '');
  return { ...config, baseUrl };
}
