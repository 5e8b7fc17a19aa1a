// The embedded database's own process: PGlite (PostgreSQL compiled to WebAssembly) served over a
// Unix socket with the PostgreSQL wire protocol. Keeping it out of the server process keeps its
// large WebAssembly heap (hundreds of MB) out of the server's memory, and lets the server talk to
// the embedded database exactly as it talks to PostgreSQL.
// Plain JavaScript on purpose: it starts without a TypeScript loader.
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

const [dataPath, socketPath] = process.argv.slice(2);
const db = new PGlite(dataPath);
await db.waitReady;
// The server's pool holds one connection, but the pool closes a connection after a failed query and
// opens another at once; with the library's default of one connection, the new one was refused while
// the old one was still closing, so the query after any failed query failed too (ECONNRESET).
// PGlite still runs one statement at a time: the library queues them and keeps a transaction's
// statements together.
const server = new PGLiteSocketServer({ db, path: socketPath, maxConnections: 4 });
await server.start();

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await server.stop().catch(() => {});
  await db.close().catch(() => {});
  process.exit(0);
}
// The parent's IPC channel closes when it exits, even on SIGKILL: never outlive it.
process.on('disconnect', stop);
process.on('message', (message) => message === 'stop' && stop());
process.on('SIGTERM', stop);
process.on('SIGINT', () => {}); // Ctrl-C reaches the whole group; the parent decides when to stop us.
process.send?.('ready');
