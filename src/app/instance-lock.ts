import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * PGlite is a single-process database: two processes on one data directory corrupt it.
 * The server takes this lock; `airlock admin` sees it and talks to the server instead.
 */
export const lockPath = (dataDir: string) => path.join(dataDir, 'airlock.pid');
export const adminSocketPath = (dataDir: string) => path.join(dataDir, 'admin.sock');

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** The pid of a live server holding the data directory, or null. */
export async function lockHolder(dataDir: string): Promise<number | null> {
  const text = await fs.readFile(lockPath(dataDir), 'utf8').catch(() => null);
  const pid = text ? Number(text.trim()) : NaN;
  return Number.isInteger(pid) && pid !== process.pid && isAlive(pid) ? pid : null;
}

export async function acquireLock(dataDir: string): Promise<() => Promise<void>> {
  const holder = await lockHolder(dataDir);
  if (holder !== null) throw new Error(`Another Airlock server (pid ${holder}) is using ${dataDir}. Stop it first, or set AIRLOCK_DATA to another directory.`);
  await fs.writeFile(lockPath(dataDir), String(process.pid), { mode: 0o600 });
  return async () => {
    const text = await fs.readFile(lockPath(dataDir), 'utf8').catch(() => null);
    if (text?.trim() === String(process.pid)) await fs.rm(lockPath(dataDir), { force: true });
  };
}
