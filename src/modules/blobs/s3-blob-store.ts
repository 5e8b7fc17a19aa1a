import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { AppError } from '../../lib/errors.ts';
import type { BlobStore, StoredBlob } from './blob-store.ts';
import { storedGitSha1, uploadHasher } from './blob-hashing.ts';

/** The parts of the AWS SDK the store uses. */
export type S3Sdk = typeof import('@aws-sdk/client-s3') & Pick<typeof import('@aws-sdk/lib-storage'), 'Upload'> & Pick<typeof import('@aws-sdk/s3-request-presigner'), 'getSignedUrl'>;

let sdk: Promise<S3Sdk> | null = null;

/**
 * Loads the AWS SDK on first need. It costs the server about 20 MB of resident memory, which a
 * server keeping its blobs on the local disk (the default) would spend for nothing.
 */
export const loadS3Sdk = (): Promise<S3Sdk> =>
  (sdk ??= Promise.all([import('@aws-sdk/client-s3'), import('@aws-sdk/lib-storage'), import('@aws-sdk/s3-request-presigner')])
    .then(([client, storage, presigner]) => ({ ...client, Upload: storage.Upload, getSignedUrl: presigner.getSignedUrl })));

export interface S3Settings {
  /** A custom endpoint (MinIO, Ceph, a test server); addressing is then path-style unless told otherwise. */
  endpoint?: string;
  region?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  forcePathStyle?: boolean;
}

export interface S3StoreOptions extends S3Settings {
  bucket: string;
  prefix: string;
  /** Bytes per multipart part; an upload holds at most `partSize × queueSize` in memory. */
  partSize?: number;
  queueSize?: number;
  /** Temporary keys and unfinished multipart uploads older than this are another process's leftovers. */
  staleAfterMs?: number;
}

const SHA256_PATTERN = /^[0-9a-f]{64}$/;
const BUCKET_PATTERN = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** CopyObject's limit; larger objects are copied part by part. */
const MAX_SINGLE_COPY = 5 * 1024 ** 3;
const COPY_PART_SIZE = 1024 ** 3;

/** `s3://bucket/some/prefix` → `{ bucket, prefix }`, or a message saying what is wrong. */
export function parseS3Storage(storage: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(storage);
  if (!match || !BUCKET_PATTERN.test(match[1]!)) {
    throw new Error(`AIRLOCK_STORAGE=${storage} is not a valid S3 location. Use s3://<bucket>/<prefix>, with a bucket name of 3 to 63 lowercase letters, digits, dots and hyphens.`);
  }
  return { bucket: match[1]!, prefix: match[2]!.replace(/^\/+|\/+$/g, '') };
}

/**
 * Whether an error means the storage could not be reached or is failing (connection refused or
 * reset, a timeout, a 5xx), as opposed to a request it refused. Those become a 503 for the client.
 */
export function isStorageOutage(error: unknown): boolean {
  if (error instanceof AppError) return false;
  const e = error as { code?: string; name?: string; message?: string; $metadata?: { httpStatusCode?: number }; cause?: unknown; errors?: unknown[] };
  if (!e || typeof e !== 'object') return false;
  if (['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN'].includes(e.code ?? '')) return true;
  if (['TimeoutError', 'RequestTimeout', 'ServiceUnavailable', 'SlowDown', 'InternalError'].includes(e.name ?? '')) return true;
  if ((e.$metadata?.httpStatusCode ?? 0) >= 500) return true;
  if (/socket hang up|ECONNREFUSED|ECONNRESET/.test(e.message ?? '')) return true;
  if (Array.isArray(e.errors) && e.errors.some(isStorageOutage)) return true; // AggregateError from a dual-stack connect
  return e.cause !== undefined && e.cause !== error && isStorageOutage(e.cause);
}

export const storageUnavailable = (cause: unknown, doing: 'storing' | 'reading' = 'storing') =>
  new AppError('storage_unavailable', 503, `The blob storage is unavailable, so ${doing === 'storing' ? 'nothing was stored' : 'the file cannot be sent now'}. Try again in a few minutes; if it persists, tell the administrator.`, { cause, headers: { 'Retry-After': '30' } });

const isNotFound = (error: unknown) => {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
};
const isNotImplemented = (error: unknown) => {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NotImplemented' || e?.name === 'MethodNotAllowed' || e?.$metadata?.httpStatusCode === 501 || e?.$metadata?.httpStatusCode === 405;
};

/**
 * Content-addressed blobs in an S3 bucket: `<prefix>/sha256/ab/cd/<sha256>`. An upload streams to a
 * temporary key (multipart beyond one part) while it is hashed, then is copied under its sha256 on
 * the server side: S3 has no rename, and the name is only known at the end.
 */
export class S3BlobStore implements BlobStore {
  readonly client: S3Client;
  readonly bucket: string;
  private readonly prefix: string;
  private readonly partSize: number;
  private readonly queueSize: number;
  private readonly staleAfterMs: number;

  /** `sdk` from `loadS3Sdk()`. */
  constructor(options: S3StoreOptions, private readonly sdk: S3Sdk) {
    this.bucket = options.bucket;
    this.prefix = options.prefix ? `${options.prefix}/` : '';
    this.partSize = options.partSize ?? 8 * 1024 * 1024;
    this.queueSize = options.queueSize ?? 4;
    this.staleAfterMs = options.staleAfterMs ?? 24 * 60 * 60 * 1000;
    this.client = new sdk.S3Client({
      region: options.region ?? 'us-east-1',
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
      ...(options.accessKeyId && options.secretAccessKey
        ? { credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey, sessionToken: options.sessionToken } }
        : {}),
      // Many S3-compatible servers reject the newer default integrity checksums; send them only where required.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: { connectionTimeout: 5000, requestTimeout: 120_000 },
    });
  }

  /** Checks that the bucket answers, so a wrong setting stops the server at start, then tidies up. */
  async init() {
    try {
      await this.client.send(new this.sdk.HeadBucketCommand({ Bucket: this.bucket }));
    } catch (error) {
      throw new Error(`The S3 bucket ${this.bucket} cannot be reached (${(error as Error).name}: ${(error as Error).message}). Check AIRLOCK_STORAGE, AWS_ENDPOINT_URL, AWS_REGION and the credentials.`, { cause: error });
    }
    await this.cleanTemporaryFiles();
  }

  private key(sha256: string) {
    if (!SHA256_PATTERN.test(sha256)) throw new Error(`not a sha256: ${sha256}`);
    return `${this.prefix}sha256/${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256}`;
  }

  private get tempPrefix() {
    return `${this.prefix}tmp/`;
  }

  localPath(): null {
    return null;
  }

  async put(body: Readable, options: { expectedSize?: number; maxSize?: number } = {}): Promise<StoredBlob> {
    const tempKey = `${this.tempPrefix}${randomUUID()}`;
    const hasher = uploadHasher(options);
    body.on('error', (error) => hasher.stream.destroy(error));
    const upload = new this.sdk.Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: tempKey, Body: body.pipe(hasher.stream) },
      partSize: this.partSize,
      queueSize: this.queueSize,
      leavePartsOnError: false,
    });
    try {
      await upload.done().catch((error: unknown) => {
        // The hasher's own refusal (too large) is what the client must see, not the SDK's wrapping of it.
        throw hasher.refusal() ?? error;
      });
      hasher.checkComplete();
      const size = hasher.size();
      const sha256 = hasher.sha256();
      const gitSha1 = await storedGitSha1(hasher.gitSha1(), size, () => this.readKey(tempKey));
      // Copying over an existing blob rewrites it with the same bytes and a fresh LastModified, which
      // is what keeps garbage collection off an upload that has not recorded itself yet.
      await this.copy(tempKey, this.key(sha256), size);
      await this.deleteKey(tempKey);
      return { sha256, size, gitSha1 };
    } catch (error) {
      await upload.abort().catch(() => {});
      await this.deleteKey(tempKey).catch(() => {});
      const outage = isStorageOutage(error) || (error instanceof AppError && error.code === 'storage_unavailable');
      throw outage ? storageUnavailable(error) : error;
    }
  }

  private async copy(from: string, to: string, size: number) {
    const source = `${this.bucket}/${from.split('/').map(encodeURIComponent).join('/')}`;
    if (size <= MAX_SINGLE_COPY) {
      await this.client.send(new this.sdk.CopyObjectCommand({ Bucket: this.bucket, Key: to, CopySource: source, MetadataDirective: 'REPLACE', ContentType: 'application/octet-stream' }));
      return;
    }
    const { UploadId } = await this.client.send(new this.sdk.CreateMultipartUploadCommand({ Bucket: this.bucket, Key: to, ContentType: 'application/octet-stream' }));
    try {
      const parts = [];
      for (let start = 0, part = 1; start < size; start += COPY_PART_SIZE, part++) {
        const end = Math.min(start + COPY_PART_SIZE, size) - 1;
        const { CopyPartResult } = await this.client.send(new this.sdk.UploadPartCopyCommand({ Bucket: this.bucket, Key: to, UploadId, PartNumber: part, CopySource: source, CopySourceRange: `bytes=${start}-${end}` }));
        parts.push({ PartNumber: part, ETag: CopyPartResult?.ETag });
      }
      await this.client.send(new this.sdk.CompleteMultipartUploadCommand({ Bucket: this.bucket, Key: to, UploadId, MultipartUpload: { Parts: parts } }));
    } catch (error) {
      await this.client.send(new this.sdk.AbortMultipartUploadCommand({ Bucket: this.bucket, Key: to, UploadId })).catch(() => {});
      throw error;
    }
  }

  private deleteKey(key: string) {
    return this.client.send(new this.sdk.DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  /** A stream that asks S3 only when first read, so a caller can build a response before any byte is fetched. */
  private readKey(key: string, range?: { start: number; end: number }): Readable {
    const { client, bucket, sdk } = this;
    return Readable.from((async function* () {
      try {
        const res = await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: key, ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}) }));
        yield* res.Body as Readable;
      } catch (error) {
        throw isStorageOutage(error) ? storageUnavailable(error, 'reading') : error;
      }
    })(), { objectMode: false });
  }

  read(sha256: string, range?: { start: number; end: number }): Readable {
    return this.readKey(this.key(sha256), range);
  }

  /** A GET URL for the blob that works without credentials until it expires, for redirecting downloads. */
  presignDownload(sha256: string, options: { contentDisposition: string; expiresInSeconds: number }): Promise<string> {
    const command = new this.sdk.GetObjectCommand({ Bucket: this.bucket, Key: this.key(sha256), ResponseContentDisposition: options.contentDisposition, ResponseContentType: 'application/octet-stream' });
    return this.sdk.getSignedUrl(this.client, command, { expiresIn: options.expiresInSeconds });
  }

  private async head(key: string) {
    try {
      const res = await this.client.send(new this.sdk.HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { at: res.LastModified ?? new Date(0), size: res.ContentLength ?? 0 };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  async exists(sha256: string) {
    return (await this.head(this.key(sha256))) !== null;
  }

  async delete(sha256: string) {
    await this.deleteKey(this.key(sha256));
  }

  writtenAt(sha256: string) {
    return this.head(this.key(sha256));
  }

  /**
   * S3 has no atomic rename to move a blob aside, so this is check-then-delete. LastModified has
   * whole seconds, so a blob counts as written up to a second after it says. An upload whose copy
   * lands between the check and the delete loses its bytes; `storeUpload` checks the blob is still
   * there after recording it (the row lock orders it after this delete) and asks for a retry.
   */
  async removeIfWrittenBefore(sha256: string, cutoff: Date): Promise<'removed' | 'recent' | 'missing'> {
    const written = await this.head(this.key(sha256));
    if (!written) return 'missing';
    if (written.at.getTime() + 1000 > cutoff.getTime()) return 'recent';
    await this.delete(sha256);
    return 'removed';
  }

  async *list(): AsyncIterable<string> {
    const prefix = `${this.prefix}sha256/`;
    let token: string | undefined;
    do {
      const page = await this.client.send(new this.sdk.ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }));
      for (const object of page.Contents ?? []) {
        const name = object.Key!.slice(prefix.length);
        const match = /^([0-9a-f]{2})\/([0-9a-f]{2})\/([0-9a-f]{64})$/.exec(name);
        if (match && match[3]!.startsWith(match[1]! + match[2]!)) yield match[3]!;
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  /**
   * Removes temporary keys and aborts unfinished multipart uploads older than `staleAfterMs`. Younger
   * ones may be another server's uploads in progress (several instances share one bucket).
   */
  async cleanTemporaryFiles() {
    const cutoff = Date.now() - this.staleAfterMs;
    let token: string | undefined;
    do {
      const page = await this.client.send(new this.sdk.ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.tempPrefix, ContinuationToken: token }));
      for (const object of page.Contents ?? []) {
        if ((object.LastModified?.getTime() ?? 0) < cutoff) await this.deleteKey(object.Key!);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    try {
      do {
        const page = await this.client.send(new this.sdk.ListMultipartUploadsCommand({ Bucket: this.bucket, Prefix: this.tempPrefix, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }));
        for (const upload of page.Uploads ?? []) {
          if ((upload.Initiated?.getTime() ?? 0) < cutoff) {
            await this.client.send(new this.sdk.AbortMultipartUploadCommand({ Bucket: this.bucket, Key: upload.Key!, UploadId: upload.UploadId! }));
          }
        }
        keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
        uploadIdMarker = page.IsTruncated ? page.NextUploadIdMarker : undefined;
      } while (keyMarker);
    } catch (error) {
      // Some S3-compatible servers do not list multipart uploads; a bucket lifecycle rule
      // (AbortIncompleteMultipartUpload) then clears them, as the README recommends.
      if (!isNotImplemented(error)) throw error;
    }
  }
}
