import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { planVisas, visaExpiry, VISA_LIFETIME_SECONDS } from './passports.models.ts';

const seconds = (d: Date) => Math.floor(d.getTime() / 1000);

describe('visa expiry', () => {
  it('is never later than the end of what the visa asserts, nor than an hour from now', () => {
    fc.assert(fc.property(fc.date({ min: new Date('2020-01-01'), max: new Date('2040-01-01'), noInvalidDate: true }), fc.option(fc.integer({ min: 1, max: 10 * 86_400_000 })), (now, ahead) => {
      const end = ahead === null ? null : new Date(now.getTime() + ahead);
      const exp = visaExpiry(now, end);
      assert.ok(exp <= seconds(now) + VISA_LIFETIME_SECONDS);
      if (end) assert.ok(exp <= seconds(end));
    }));
  });
});

describe('planning a passport', () => {
  it('gives one visa per grant still running, per signed agreement and for an active credential', () => {
    const now = new Date('2026-05-01T00:00:00Z');
    const visas = planVisas({
      now, source: 'https://airlock.example.org',
      grants: [
        { repoUrl: 'https://airlock.example.org/a/b', startsAt: new Date('2026-01-01'), endsAt: null },
        { repoUrl: 'https://airlock.example.org/a/ended', startsAt: new Date('2026-01-01'), endsAt: new Date('2026-04-30') },
      ],
      signatures: [{ agreementUrl: 'https://airlock.example.org/api/models/a/b/agreement?version=2', signedAt: new Date('2026-02-01') }],
      credentialApprovedAt: new Date('2026-03-01'),
    });
    assert.deepEqual(visas.map((v) => [v.visa.type, v.visa.by]), [['ControlledAccessGrants', 'dac'], ['AcceptedTermsAndPolicies', 'self'], ['ResearcherStatus', 'so']]);
    assert.equal(visas[0]!.visa.asserted, seconds(new Date('2026-01-01')));
  });
});
