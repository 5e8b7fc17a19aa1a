import { sign, verify, type KeyObject } from 'node:crypto';
import { canonicalJson } from '../audit/audit.models.ts';

/** Signed release manifests: the statement "revision R of repository X holds exactly these files". Pure. */

export const MANIFEST_FORMAT = 'airlock-manifest/v1';

export interface ManifestFile {
  path: string;
  size: number;
  sha256: string;
  md5: string;
}

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  server: string;
  repository: { type: 'model' | 'dataset'; id: string };
  commit: string;
  committedAt: string;
  /** Set on a per-recipient (fingerprinted) manifest: whose copy these hashes describe. */
  recipient?: string;
  files: ManifestFile[];
}

export interface SignedManifest {
  manifest: Manifest;
  signature: { algorithm: 'ed25519'; keyId: string; value: string };
}

const signedBytes = (manifest: Manifest) => Buffer.from(`${MANIFEST_FORMAT}\n${canonicalJson(manifest)}`);

export function signManifest(manifest: Manifest, key: { privateKey: KeyObject; keyId: string }): SignedManifest {
  return { manifest, signature: { algorithm: 'ed25519', keyId: key.keyId, value: sign(null, signedBytes(manifest), key.privateKey).toString('base64url') } };
}

export function verifyManifestSignature(signed: SignedManifest, publicKey: KeyObject): boolean {
  if (signed.signature?.algorithm !== 'ed25519' || typeof signed.signature.value !== 'string') return false;
  return verify(null, signedBytes(signed.manifest), publicKey, Buffer.from(signed.signature.value, 'base64url'));
}

export interface LocalFile {
  path: string;
  size: number;
  sha256: string;
}

export type Mismatch =
  | { kind: 'missing'; path: string }
  | { kind: 'extra'; path: string }
  | { kind: 'changed'; path: string; reason: string };

/** Compares a local copy against the manifest: every missing, extra or changed file. */
export function compareWithManifest(manifest: Manifest, local: LocalFile[]): Mismatch[] {
  const expected = new Map(manifest.files.map((f) => [f.path, f]));
  const mismatches: Mismatch[] = [];
  const seen = new Set<string>();
  for (const file of local) {
    seen.add(file.path);
    const want = expected.get(file.path);
    if (!want) mismatches.push({ kind: 'extra', path: file.path });
    else if (want.size !== file.size) mismatches.push({ kind: 'changed', path: file.path, reason: `size ${file.size}, expected ${want.size}` });
    else if (want.sha256 !== file.sha256) mismatches.push({ kind: 'changed', path: file.path, reason: `sha256 ${file.sha256.slice(0, 16)}…, expected ${want.sha256.slice(0, 16)}…` });
  }
  for (const path of expected.keys()) if (!seen.has(path)) mismatches.push({ kind: 'missing', path });
  return mismatches.sort((a, b) => (a.path < b.path ? -1 : 1));
}
