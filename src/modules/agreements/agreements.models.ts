/** Pure rules of agreements and signatures. */

/** Names compare without case, accents-as-typed kept, and with runs of spaces folded. */
export const normalizeName = (name: string) => name.normalize('NFC').trim().replace(/\s+/g, ' ').toLocaleLowerCase('en');

/** A signature must carry the signer's own full name, typed: not a checkbox, not someone else's name. */
export const typedNameMatches = (typed: string, fullName: string) => normalizeName(typed) === normalizeName(fullName);
