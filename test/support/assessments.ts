/** A complete risk–benefit assessment, as the API takes it, for tests that need one submitted. */
export const COMPLETE = {
  intendedUses: 'Studying toxic language and building detectors for it.',
  intendedUsers: 'Safety researchers at accredited institutions.',
  misuses: [
    { description: 'Generating harassment at scale', harmedGroups: 'Targets of online harassment', likelihood: 4, severity: 4, mitigation: 'Reviewed access only' },
    { description: 'Impersonating forum users', harmedGroups: 'Forum users', likelihood: 2, severity: 3 },
  ],
  nonConsentingPeople: 'The forum posters never consented; their pseudonymous posts shaped the model.',
  mitigations: 'Committee review, signed agreement, per-recipient fingerprinting.',
  benefits: 'Better hate-speech classifiers.',
  outputRecognition: 'A released detector recognises its output with 0.97 AUC.',
  accessLevel: 'agreement',
  accessLevelArgument: 'Signed conditions suffice for a detector-research model.',
  publicSummary: 'A toxic-language model released to researchers who sign the conditions.',
};
