/**
 * GA4GH Passport v1.2 shapes, as pure functions: which visas a user's records give, and their claims.
 * A visa is a JWT whose `ga4gh_visa_v1` claim is {type, asserted, value, source, by}; a passport
 * is a JWT whose `ga4gh_passport_v1` claim is the list of visa JWTs.
 */

export const VISA_TYP = 'vnd.ga4gh.visa+jwt';
export const PASSPORT_TYP = 'vnd.ga4gh.passport+jwt';
export const PASSPORT_MEDIA_TYPE = `application/${PASSPORT_TYP}`;

/** Visas and passports live one hour, so a revoked grant leaves circulation within the hour. */
export const VISA_LIFETIME_SECONDS = 3600;

/** The registered-access value for a bona fide researcher (the GA4GH registered-access paper). */
export const BONA_FIDE_RESEARCHER = 'https://doi.org/10.1038/s41431-018-0219-y';

export type VisaType = 'ControlledAccessGrants' | 'AcceptedTermsAndPolicies' | 'ResearcherStatus';
export type VisaBy = 'self' | 'peer' | 'system' | 'so' | 'dac';

export interface VisaObject {
  type: VisaType;
  /** Seconds since the epoch when the source asserted it. */
  asserted: number;
  value: string;
  source: string;
  by: VisaBy;
}

export interface PlannedVisa {
  visa: VisaObject;
  /** Seconds since the epoch; never later than the end of what it asserts. */
  exp: number;
}

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

/** The visa's end: its lifetime from now, cut short by the end of what it stands for. */
export function visaExpiry(now: Date, end: Date | null): number {
  const lifetime = seconds(now) + VISA_LIFETIME_SECONDS;
  return end ? Math.min(lifetime, seconds(end)) : lifetime;
}

export interface PassportFacts {
  now: Date;
  /** This Airlock's public address: the source of every visa it issues. */
  source: string;
  grants: { repoUrl: string; startsAt: Date; endsAt: Date | null }[];
  signatures: { agreementUrl: string; signedAt: Date }[];
  /** When the user's researcher credential was approved, or null without an active one. */
  credentialApprovedAt: Date | null;
}

/** Every visa the user's current records support, in a stable order. */
export function planVisas(facts: PassportFacts): PlannedVisa[] {
  const { now, source } = facts;
  const visas: PlannedVisa[] = [];
  for (const grant of facts.grants) {
    if (grant.endsAt && grant.endsAt <= now) continue;
    visas.push({ visa: { type: 'ControlledAccessGrants', asserted: seconds(grant.startsAt), value: grant.repoUrl, source, by: 'dac' }, exp: visaExpiry(now, grant.endsAt) });
  }
  for (const signature of facts.signatures) {
    visas.push({ visa: { type: 'AcceptedTermsAndPolicies', asserted: seconds(signature.signedAt), value: signature.agreementUrl, source, by: 'self' }, exp: visaExpiry(now, null) });
  }
  if (facts.credentialApprovedAt) {
    visas.push({ visa: { type: 'ResearcherStatus', asserted: seconds(facts.credentialApprovedAt), value: BONA_FIDE_RESEARCHER, source, by: 'so' }, exp: visaExpiry(now, null) });
  }
  return visas;
}
