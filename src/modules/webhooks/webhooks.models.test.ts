import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { checkTargetUrl, isPrivateAddress, retryDelayMs, signPayload, verifySignature } from './webhooks.models.ts';

describe('webhook signatures', () => {
  it('verify for the exact body, timestamp and secret, and for nothing else', () => {
    fc.assert(fc.property(fc.string({ minLength: 1 }), fc.string(), fc.integer({ min: 0, max: 2 ** 31 }), fc.string({ minLength: 1 }), (secret, body, ts, other) => {
      const signature = signPayload(secret, ts, body);
      assert.equal(verifySignature(secret, ts, body, signature), true);
      assert.equal(verifySignature(secret, ts + 1, body, signature), false);
      if (other !== body) assert.equal(verifySignature(secret, ts, other, signature), false);
      if (other !== secret) assert.equal(verifySignature(other, ts, body, signature), false);
    }));
  });
  it('refuse a missing or malformed header', () => {
    assert.equal(verifySignature('s', 1, 'b', undefined), false);
    assert.equal(verifySignature('s', 1, 'b', 'sha256=00'), false);
  });
});

describe('the retry schedule', () => {
  it('doubles from the base and never exceeds six hours', () => {
    assert.deepEqual([1, 2, 3, 4].map((n) => retryDelayMs(n, 1000)), [1000, 2000, 4000, 8000]);
    fc.assert(fc.property(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 86_400_000 }), (n, base) => {
      assert.ok(retryDelayMs(n + 1, base) >= retryDelayMs(n, base));
      assert.ok(retryDelayMs(n, base) <= 6 * 3600_000);
    }));
  });
});

describe('webhook targets', () => {
  it('counts loopback, private, link-local and mapped addresses as private', () => {
    for (const a of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::', 'fd00::1', 'fe80::1', '::ffff:127.0.0.1', '224.0.0.1']) {
      assert.equal(isPrivateAddress(a), true, a);
    }
    for (const a of ['8.8.8.8', '172.32.0.1', '1.1.1.1', '2001:4860:4860::8888', '::ffff:8.8.8.8']) assert.equal(isPrivateAddress(a), false, a);
  });
  it('accepts https to public hosts only, unless private targets are allowed', () => {
    assert.equal(checkTargetUrl('https://hooks.example.org/x', false).ok, true);
    assert.deepEqual(checkTargetUrl('http://hooks.example.org/x', false), { ok: false, reason: 'scheme' });
    assert.deepEqual(checkTargetUrl('https://localhost/x', false), { ok: false, reason: 'private-address' });
    assert.deepEqual(checkTargetUrl('https://10.0.0.1/x', false), { ok: false, reason: 'private-address' });
    assert.deepEqual(checkTargetUrl('https://u:p@hooks.example.org/', false), { ok: false, reason: 'credentials' });
    assert.equal(checkTargetUrl('http://127.0.0.1:9/x', true).ok, true);
    fc.assert(fc.property(fc.string(), (raw) => {
      const result = checkTargetUrl(raw, false);
      if (result.ok) assert.equal(result.url.protocol, 'https:');
    }));
  });
});
