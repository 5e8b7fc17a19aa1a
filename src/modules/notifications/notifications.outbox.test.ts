import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { eq, inArray, sql } from 'drizzle-orm';
import { SMTPServer } from 'smtp-server';
import { expectJson, prepareApplication, REFERENCE, submit } from '../../../test/support/credentials.ts';
import { startSmtpSink, type SmtpSink } from '../../../test/support/smtp-sink.ts';
import { startTestServer, type TestServer } from '../../../test/support/test-server.ts';
import { unseal } from '../../lib/sealing.ts';
import { MAIL_MAX_ATTEMPTS, mailSealContext } from './notifications.models.ts';
import { mailOutbox, notifications } from './notifications.tables.ts';
import { recordNotices } from './notifications.usecases.ts';

const waitUntil = async (what: string, check: () => Promise<boolean>, timeoutMs = 15_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
};

/** A credential application whose submission mails the reference a one-time link. */
async function submitApplication(server: TestServer, username: string, referenceEmail: string) {
  await server.createUser(username);
  const token = await server.createToken(username);
  await prepareApplication(server, token, { reference: { email: referenceEmail } });
  await expectJson(await submit(server, token), 200);
}

const outboxOf = (server: TestServer, recipient: string) => server.runtime.deps.db.select().from(mailOutbox).where(eq(mailOutbox.recipient, recipient));

describe('the mail outbox while the mail server is down', () => {
  let server: TestServer;
  before(async () => {
    // Nothing listens on port 1: every try fails at once; retries come 20 ms, 40 ms, 80 ms … apart.
    server = await startTestServer({ config: { smtpUrl: 'smtp://127.0.0.1:1', mailRetryBaseMs: 20, mailPollMs: 20 } });
    await server.createUser('carol', { platformRoles: ['credentialing'] });
  });
  after(() => server?.close());

  it('keeps the queued mail sealed: the one-time link is not in the database, yet the key opens it', async () => {
    await submitApplication(server, 'rita', 'ruth@uni.example.edu');
    const [row] = await outboxOf(server, 'ruth@uni.example.edu');
    assert.ok(row, 'the reference mail is queued with the submission');
    assert.ok(row.sealedBody, 'the body is kept while the mail waits');
    const dump = JSON.stringify(await server.runtime.deps.db.execute(sql`select * from mail_outbox`));
    assert.ok(!/references\//.test(dump), 'no link in clear anywhere in the outbox');
    const text = unseal(server.runtime.deps.mailKey, row.sealedBody!, mailSealContext(row));
    assert.match(text, /\/references\/[A-Za-z0-9_-]{20,}/);
    assert.throws(() => unseal(server.runtime.deps.mailKey, row.sealedBody!, mailSealContext({ ...row, recipient: 'mallory@example.org' })), 'bound to its recipient');
  });

  it('retries with growing delays, then gives up: marked failed, body erased, the reason on the notification', async () => {
    await waitUntil('the reference mail is given up', async () => (await outboxOf(server, 'ruth@uni.example.edu'))[0]?.status === 'failed');
    const [row] = await outboxOf(server, 'ruth@uni.example.edu');
    assert.equal(row!.attempts, MAIL_MAX_ATTEMPTS);
    assert.equal(row!.sealedBody, null);
    assert.match(row!.lastError ?? '', /ECONNREFUSED|connect/i);
    assert.equal(row!.sentAt, null);
    // 20 + 40 + … + 1280 ms of backoff between the eight tries.
    assert.ok(Date.now() - row!.createdAt.getTime() >= 2_000, 'the tries were spread out, not made at once');
    const [notice] = await server.runtime.deps.db.select().from(notifications).where(eq(notifications.id, row!.notificationId));
    assert.ok(notice!.deliveryError);
    assert.equal(notice!.deliveredAt, null);
  });
});

describe('the mail outbox with a mail server that comes and goes', () => {
  let server: TestServer;
  let smtp: SMTPServer;
  let refusals = 2;
  const received: { to: string[]; body: string }[] = [];
  before(async () => {
    // Refuses the first two messages (451, try later), then accepts.
    smtp = new SMTPServer({
      authOptional: true, disabledCommands: ['STARTTLS', 'AUTH'], logger: false,
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          if (refusals > 0) {
            refusals -= 1;
            return callback(Object.assign(new Error('try again later'), { responseCode: 451 }));
          }
          received.push({ to: session.envelope.rcptTo.map((r) => r.address), body: Buffer.concat(chunks).toString('utf8') });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    const port = (smtp.server.address() as AddressInfo).port;
    server = await startTestServer({ config: { smtpUrl: `smtp://127.0.0.1:${port}`, mailRetryBaseMs: 50, mailPollMs: 20 } });
    await server.createUser('carol', { platformRoles: ['credentialing'] });
  });
  after(async () => {
    await server?.close();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  });

  it('delivers once after the refusals, and erases the body once sent', async () => {
    await submitApplication(server, 'rita', REFERENCE.email);
    await waitUntil('both mails are sent', async () => (await server.runtime.deps.db.select().from(mailOutbox)).every((m) => m.status === 'sent'));
    const rows = await server.runtime.deps.db.select().from(mailOutbox);
    assert.equal(rows.length, 2, 'the reference and the credentialing staff');
    assert.ok(rows.some((r) => r.attempts > 1), 'a refused mail was tried again');
    for (const row of rows) {
      assert.equal(row.sealedBody, null, 'nothing left to leak once sent');
      assert.ok(row.sentAt);
      const [notice] = await server.runtime.deps.db.select().from(notifications).where(eq(notifications.id, row.notificationId));
      assert.ok(notice!.deliveredAt, 'the notification shows it mailed');
    }
    await new Promise((resolve) => setTimeout(resolve, 300)); // time for a duplicate to show up, if any
    assert.equal(received.length, 2);
    assert.equal(received.filter((m) => m.to.includes(REFERENCE.email)).length, 1);
  });

  it('takes over a mail whose sending instance died (its lease ran out), and leaves a live claim alone', async () => {
    const db = server.runtime.deps.db;
    const count = received.length;
    await queueAsClaimed(server, ['lapsed@uni.example.edu', 'live@uni.example.edu']);
    // The claim on one ran out (its instance died mid-send); the other's holder is still within its lease.
    await db.update(mailOutbox).set({ leaseUntil: sql`now() - interval '1 second'` }).where(eq(mailOutbox.recipient, 'lapsed@uni.example.edu'));
    server.runtime.deps.mailOutbox.wake();
    await waitUntil('the lapsed claim is taken over and sent', async () => (await outboxOf(server, 'lapsed@uni.example.edu'))[0]?.status === 'sent');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal((await outboxOf(server, 'live@uni.example.edu'))[0]?.status, 'sending', 'a claim within its lease is not taken');
    assert.deepEqual(received.slice(count).map((m) => m.to), [['lapsed@uni.example.edu']]);
    assert.equal((await outboxOf(server, 'lapsed@uni.example.edu'))[0]?.attempts, 2, 'the takeover counts as a further attempt');
  });
});

/**
 * Queues mails as a worker that claimed them and then died would leave them: sealed, `sending`,
 * under a lease. Done in the queuing transaction, so no live worker can claim them first.
 */
async function queueAsClaimed(server: TestServer, recipients: string[]) {
  const deps = server.runtime.deps;
  await deps.db.transaction(async (tx) => {
    const mails = await recordNotices(tx, deps, recipients.map((to) => ({ userId: null, to, subject: 'Reference request', body: 'Please answer.', secretLink: `${deps.config.baseUrl}/references/not-a-real-token` })), deps.clock.now());
    await tx.update(mailOutbox).set({ status: 'sending', attempts: 1, leaseUntil: sql`now() + interval '1 hour'` }).where(inArray(mailOutbox.notificationId, mails.map((m) => m.notificationId)));
  });
}
