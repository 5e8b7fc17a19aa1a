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

/**
 * The API calls by which a publisher creates `repo` at `accessLevel` under the default (strict)
 * release review: a gated level needs the repository created at `no-download`, an assessment
 * arguing for the level submitted, then the level changed. For processes driven over plain HTTP
 * (crash tests, the benchmark, the soak) that have their own request function.
 */
export function creationSteps(repo: string, accessLevel: string, type: 'model' | 'dataset' = 'model'): { method: string; url: string; json: unknown }[] {
  if (accessLevel !== 'agreement' && accessLevel !== 'reviewed') return [{ method: 'POST', url: '/api/repos', json: { repo, type, accessLevel } }];
  const prefix = type === 'dataset' ? 'datasets' : 'models';
  return [
    { method: 'POST', url: '/api/repos', json: { repo, type, accessLevel: 'no-download' } },
    { method: 'POST', url: `/api/${prefix}/${repo}/assessment/submit`, json: { ...COMPLETE, accessLevel } },
    { method: 'PATCH', url: `/api/${prefix}/${repo}/settings`, json: { accessLevel } },
  ];
}
