/** Pure rules of OpenID Connect sign-in: a username from the provider's claims, what fills the profile. */

export interface ProviderClaims {
  sub: string;
  email?: unknown;
  email_verified?: unknown;
  name?: unknown;
  preferred_username?: unknown;
  [claim: string]: unknown;
}

const text = (value: unknown, max: number) => (typeof value === 'string' && value.trim() ? value.trim().slice(0, max) : null);

/** The email the provider vouches for, or null: an unverified address links and fills nothing. */
export const verifiedEmail = (claims: ProviderClaims) => (claims.email_verified === true ? text(claims.email, 320)?.toLowerCase() ?? null : null);

/**
 * A username candidate: the preferred username, else the email's local part, else the name,
 * reduced to the characters usernames allow (2–42 of letters, digits, "-", "_", ".").
 */
export function usernameCandidate(claims: ProviderClaims): string {
  const raw = text(claims.preferred_username, 200) ?? text(claims.email, 320)?.split('@')[0] ?? text(claims.name, 200) ?? 'user';
  const cleaned = raw.normalize('NFKD').replace(/\p{M}+/gu, '').replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/[-.]{2,}/g, '-').replace(/^[-.]+/, '').slice(0, 36).replace(/[-.]+$/, '');
  return cleaned.length >= 2 ? cleaned : `user-${cleaned}`.replace(/-$/, '') || 'user';
}

/** Profile fields the claims can fill; only empty fields are filled, and nothing grants a credential. */
export function profileFromClaims(claims: ProviderClaims, affiliationClaim: string): { fullName: string | null; institution: string | null } {
  return { fullName: text(claims.name, 200), institution: text(claims[affiliationClaim], 300) };
}
