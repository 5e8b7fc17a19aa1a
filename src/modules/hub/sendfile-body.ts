import type { FileHandle } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Bytes of a blob file sent to a plain TCP socket with Linux's `sendfile(2)`: the kernel hands
 * page-cache pages to the socket, with no copy through this process. Node has no `sendfile` for
 * sockets, so libc's is called through koffi, a maintained FFI library with prebuilt binaries.
 *
 * Why: on 16 clients reading 8 MiB ranges, copying every byte through user space (read into a
 * buffer on the thread pool, then write it to the socket) cost the server 500–800 ms of CPU per
 * GB, against nginx's 160–200 with sendfile. On a 2-core machine that copy, not the gate, set the
 * ceiling (bench/NOTES.md, entry 18).
 *
 * The gate, the headers and the audit record are unchanged: only the body's bytes take this path.
 * The socket is written only by `sendfile` or, while the socket is full, by Node's own write, one
 * at a time, so the bytes go out in order.
 */
interface Libc {
  sendfile(outFd: number, inFd: number, offset: [number], count: number): number;
  errno(): number;
}

const EAGAIN = 11;
const EINTR = 4;
/**
 * The most one call hands to the kernel. Calls of up to 64 MiB moved a single 1 GiB download on
 * loopback at 0.74–0.76 of nginx's speed on an Intel host; calls of 256 KiB at 1.03–1.29, and 16
 * clients on 8 MiB ranges from 0.75–0.78 to 0.87–0.93 (bench/NOTES.md, entry 21).
 */
const MAX_CALL = 256 * 1024;
/**
 * Bytes sent before the loop lets other work run. A fast client kept the event loop in this loop
 * until its socket was full, which on loopback could be a whole file: 7 calls and one wait for a
 * 256 MiB download, about 170 ms in which no other request was answered.
 */
const YIELD_AFTER = 2 * 2 ** 20;
/** Bytes sent through Node's own write when the socket is full (see `sendFileBySendfile`). */
const BRIDGE = 64 * 1024;

let libc: Promise<Libc | null> | null = null;

/** libc's sendfile, or null where they cannot be had (not Linux, koffi missing, or turned off). */
function loadLibc(): Promise<Libc | null> {
  libc ??= (async () => {
    if (process.platform !== 'linux' || process.env.AIRLOCK_SENDFILE === 'off') return null;
    try {
      const { default: koffi } = await import('koffi');
      const lib = koffi.load('libc.so.6');
      const sendfile = lib.func('long sendfile(int out_fd, int in_fd, _Inout_ int64_t *offset, size_t count)');
      return {
        sendfile: (outFd, inFd, offset, count) => Number(sendfile(outFd, inFd, offset, count)),
        errno: () => koffi.errno(),
      } satisfies Libc;
    } catch {
      return null;
    }
  })();
  return libc;
}

/** The file descriptor of a plain TCP socket, or null (TLS, a socket already closed, no descriptor). */
function plainSocketFd(socket: Socket | null): number | null {
  if (!socket || socket.destroyed || (socket as { encrypted?: boolean }).encrypted) return null;
  const fd = (socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : null;
}

/**
 * Whether `sendFileBySendfile` can serve `out`. Asked before the response is written, so a
 * response that cannot take this path takes the buffered one (local-file-body.ts) from the start.
 */
export async function canSendfile(out: ServerResponse): Promise<boolean> {
  return plainSocketFd(out.socket) !== null && (await loadLibc()) !== null;
}

/**
 * Sends bytes `start..end` of `file` after the status and headers already given to `out`, then
 * ends the response. Resolves with the bytes handed to the kernel, at the end, on an error, or
 * when the client goes away. Closes `file` in every case. Call only after `canSendfile(out)`.
 */
export async function sendFileBySendfile(out: ServerResponse, file: FileHandle, start: number, end: number): Promise<number> {
  let sent = 0;
  try {
    const lib = (await loadLibc())!;
    // The headers must be in the kernel before the body: a write queued behind them calls back
    // once everything before it has been handed over.
    out.flushHeaders();
    const socket = out.socket!;
    await new Promise<void>((resolve) => socket.write(Buffer.alloc(0), () => resolve()));
    const offset: [number] = [start];
    let bridge: Buffer | null = null;
    let sinceYield = 0;
    while (offset[0] <= end) {
      const fd = plainSocketFd(out.socket);
      if (out.destroyed || fd === null) return sent;
      const count = lib.sendfile(fd, file.fd, offset, Math.min(MAX_CALL, end - offset[0] + 1));
      if (count > 0) {
        sent += count;
        sinceYield += count;
        if (sinceYield >= YIELD_AFTER) {
          sinceYield = 0;
          await new Promise((resolve) => setImmediate(resolve));
        }
        continue;
      }
      if (count === 0) throw new Error(`the blob ended at byte ${offset[0]}, before the ${end + 1} bytes recorded`);
      const errno = lib.errno();
      if (errno === EINTR) continue;
      if (errno !== EAGAIN) throw new Error(`sendfile failed (errno ${errno})`);
      // The socket's buffer is full. Node's own write waits for room in its event loop, with no
      // thread held however slow the client: the next 64 KiB go that way, and once the socket has
      // taken them there is room again. (A wait on the thread pool instead would let a few slow
      // clients starve every file read and hash of the server.)
      bridge ??= Buffer.allocUnsafeSlow(BRIDGE);
      const { bytesRead } = await file.read(bridge, 0, Math.min(BRIDGE, end - offset[0] + 1), offset[0]);
      if (bytesRead === 0) throw new Error(`the blob ended at byte ${offset[0]}, before the ${end + 1} bytes recorded`);
      if (out.destroyed || !out.socket) return sent;
      const written = await new Promise<boolean>((resolve) => out.socket!.write(bridge!.subarray(0, bytesRead), (error) => resolve(!error)));
      if (!written) return sent;
      offset[0] += bytesRead;
      sent += bytesRead;
    }
    // Node counted none of the body's bytes, and does not check them against Content-Length.
    if (!out.destroyed) out.end();
  } catch (error) {
    out.destroy(error as Error);
  } finally {
    await file.close().catch(() => {});
  }
  return sent;
}
