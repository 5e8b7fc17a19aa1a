import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * Creates `file` (mode 0600, in a 0700 directory) with `contents` unless it exists, and returns
 * what the file holds afterwards: ours, or the contents of whoever created it first. The contents
 * are written whole under a private name, then linked into place; a link either appears complete
 * or fails with EEXIST, so processes starting at once on one data directory never read a
 * half-written key and all end up with the same one.
 */
export async function writeFileOnce(file: string, contents: string): Promise<{ contents: string; created: boolean }> {
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  await fs.writeFile(temporary, contents, { mode: 0o600, flag: 'wx' });
  try {
    await fs.link(temporary, file);
    return { contents, created: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return { contents: await fs.readFile(file, 'utf8'), created: false };
  } finally {
    await fs.rm(temporary, { force: true });
  }
}

/** A 256-bit secret kept in `file` as 64 hex characters, created on first use. */
export async function readOrCreateKeyFile(file: string): Promise<Buffer> {
  try {
    return parseKeyFile(await fs.readFile(file, 'utf8'), file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const { contents } = await writeFileOnce(file, `${randomBytes(32).toString('hex')}\n`);
  return parseKeyFile(contents, file);
}

function parseKeyFile(text: string, file: string): Buffer {
  const hex = text.trim();
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error(`${file} must hold 64 hex characters.`);
  return Buffer.from(hex, 'hex');
}
