import type { z } from 'zod';
import { grantSchema, handleSchema } from '../access/access.usecases.ts';
import { revokeSchema as revokeGrantBody } from '../access/access.routes.ts';
import { agreementTextSchema, signSchema } from '../agreements/agreements.schemas.ts';
import { applySchema, commentSchema, conflictSchema, editSchema, policySchema, queuePageSchema, renewSchema, voteSchema } from '../applications/applications.schemas.ts';
import { assessmentDraftSchema, decisionSchema, stageQuerySchema } from '../assessments/assessments.schemas.ts';
import { auditExportQuerySchema, auditSearchSchema } from '../audit/audit.schemas.ts';
import { platformConditionSchema } from '../conditions/conditions.schemas.ts';
import { applicationSchema, approveSchema, identityCheckSchema, profileSchema, referenceResponseSchema, rejectSchema, returnSchema, revokeSchema } from '../credentials/credentials.schemas.ts';
import { fingerprintSettingSchema } from '../fingerprints/fingerprints.schemas.ts';
import { pathsInfoSchema } from '../hub/hub.routes.ts';
import { blockSchema, unblockSchema } from '../moderation/moderation.schemas.ts';
import { memberSchema } from '../orgs/orgs.routes.ts';
import { createOrgSchema } from '../orgs/orgs.usecases.ts';
import { submitVisaSchema, trustedBrokerSchema } from '../passports/passports.schemas.ts';
import { compareQuerySchema, historyQuerySchema, cardEditSchema } from '../repos/card-history.schemas.ts';
import { listQuerySchema } from '../repos/repos.routes.ts';
import { commitSchema, createRepositorySchema, tagSchema, updateRepositorySchema } from '../repos/repos.schemas.ts';
import { scheduleSchema } from '../stages/stages.schemas.ts';
import { createTokenSchema } from '../tokens/tokens.schemas.ts';
import { acceptSchema, attemptSchema, rejectSchema as rejectCertificateSchema, trainingSchema } from '../trainings/trainings.schemas.ts';
import { createEndpointSchema, webhookSettingsSchema } from '../webhooks/webhooks.schemas.ts';
import { appealSchema, commentSchema as discussionCommentSchema, moderationReasonSchema, newThreadSchema, unlockSchema as unlockThreadSchema } from '../discussions/discussions.schemas.ts';
import { fileReportSchema, triageSchema } from '../misuse/misuse.schemas.ts';

/**
 * What the OpenAPI document says about each Airlock API route, keyed `METHOD path` with Hono's
 * path syntax. `{kind}` stands for both `models` and `datasets`. Bodies and queries are the very
 * zod schemas the handlers validate with, so the document cannot drift from the validation.
 * A test fails when a route under /api/ has no entry here, or an entry no route.
 */
export interface Operation {
  summary: string;
  body?: z.ZodType;
  query?: z.ZodType;
  /** The body is raw bytes, not JSON (uploads). */
  binaryBody?: boolean;
  /** Served without signing in (others need a token or a session). */
  public?: boolean;
  /** A route of the Hugging Face Hub protocol, kept compatible with its clients. */
  hub?: boolean;
}

const R = '/api/{kind}/:namespace/:name';

export const OPERATIONS: Record<string, Operation> = {
  // Tokens and accounts
  'GET /api/tokens': { summary: 'List your API tokens (from a browser session only).' },
  'POST /api/tokens': { summary: 'Create an API token; its value is shown once.', body: createTokenSchema },
  'DELETE /api/tokens/:id': { summary: 'Revoke one of your tokens.' },
  'GET /api/whoami-v2': { summary: 'Who the token belongs to (Hub protocol).', hub: true },
  'POST /api/orgs': { summary: 'Create an organisation; you become its admin.', body: createOrgSchema },
  'PUT /api/orgs/:org/members/:username': { summary: 'Add a member or change their role.', body: memberSchema },
  'POST /api/users/:username/block': { summary: 'Block an account (platform admins).', body: blockSchema },
  'POST /api/users/:username/unblock': { summary: 'Unblock an account (platform admins).', body: unblockSchema },

  // Repositories and content
  'POST /api/repos': { summary: 'Create a repository.', body: createRepositorySchema },
  'GET /api/models': { summary: 'List the models you may see.', query: listQuerySchema, public: true, hub: true },
  'GET /api/datasets': { summary: 'List the datasets you may see.', query: listQuerySchema, public: true, hub: true },
  [`GET ${R}`]: { summary: 'Repository information (Hub protocol).', public: true, hub: true },
  [`GET ${R}/revision/:revision`]: { summary: 'Repository information at a revision (Hub protocol).', public: true, hub: true },
  [`GET ${R}/tree/:revision`]: { summary: 'List files at a revision (Hub protocol).', public: true, hub: true },
  [`GET ${R}/tree/:revision/*`]: { summary: 'List files under a folder at a revision (Hub protocol).', public: true, hub: true },
  [`POST ${R}/paths-info/:revision`]: { summary: 'Information on given paths at a revision (Hub protocol).', body: pathsInfoSchema, public: true, hub: true },
  [`GET ${R}/refs`]: { summary: 'Branches and tags.', public: true },
  [`PATCH ${R}/settings`]: { summary: 'Change visibility or access level.', body: updateRepositorySchema },
  [`PUT ${R}/upload`]: { summary: 'Upload one file\'s bytes (content-addressed); commit it with /commit.', binaryBody: true },
  [`POST ${R}/commit/:branch`]: { summary: 'Commit uploaded files to a branch as one revision.', body: commitSchema },
  [`POST ${R}/tags`]: { summary: 'Tag a revision.', body: tagSchema },
  [`GET ${R}/manifest/:revision`]: { summary: 'The signed release manifest of a revision.', public: true },
  [`GET ${R}/card`]: { summary: 'The model card (README.md) and its metadata.', query: historyQuerySchema, public: true },
  [`PUT ${R}/card`]: { summary: 'Edit the model card (a new revision).', body: cardEditSchema },
  [`GET ${R}/card/history`]: { summary: 'Every revision of the card, who changed it and when.', query: historyQuerySchema, public: true },
  [`GET ${R}/card/compare`]: { summary: 'Diff of the card between two revisions.', query: compareQuerySchema, public: true },
  [`GET ${R}/fingerprinting`]: { summary: 'Whether per-recipient fingerprinting is on.' },
  [`PUT ${R}/fingerprinting`]: { summary: 'Turn per-recipient fingerprinting on or off.', body: fingerprintSettingSchema },

  // Access governance
  [`GET ${R}/access`]: { summary: 'Where you stand: can you download, which requirements are met, your application and grant.', public: true },
  [`GET ${R}/access-policy`]: { summary: 'The repository\'s access policy and application form.', public: true },
  [`PUT ${R}/access-policy`]: { summary: 'Set the access policy (publishers).', body: policySchema },
  [`GET ${R}/reviewers`]: { summary: 'The review committee.' },
  [`PUT ${R}/reviewers/:username`]: { summary: 'Add a committee member.' },
  [`DELETE ${R}/reviewers/:username`]: { summary: 'Remove a committee member.' },
  [`DELETE ${R}/reapplication-blocks/:username`]: { summary: 'Let a user whose grant was revoked apply again.' },
  [`GET ${R}/agreement`]: { summary: 'The current agreement text and version.', public: true },
  [`PUT ${R}/agreement`]: { summary: 'Publish a new agreement version.', body: agreementTextSchema },
  'POST /api/agreements/:id/signatures': { summary: 'Sign an agreement version.', body: signSchema },
  'GET /api/me/signatures': { summary: 'Your signatures.' },
  [`POST ${R}/access-requests`]: { summary: 'Apply for access (signing the agreement in the same step).', body: applySchema },
  'GET /api/me/access-requests': { summary: 'Your access applications.' },
  'GET /api/me/grants': { summary: 'Your grants, their ends and conditions.' },
  [`POST ${R}/renewals`]: { summary: 'Ask to renew your grant.', body: renewSchema },
  'GET /api/access-requests/:id': { summary: 'One application with its events and votes.' },
  'PUT /api/access-requests/:id': { summary: 'Edit a returned application.', body: editSchema },
  'POST /api/access-requests/:id/submit': { summary: 'Resubmit a returned application.' },
  'POST /api/access-requests/:id/withdraw': { summary: 'Withdraw your application.' },
  'POST /api/access-requests/:id/votes': { summary: 'Vote as a reviewer: approve, reject or return.', body: voteSchema },
  'POST /api/access-requests/:id/conflicts': { summary: 'Declare a conflict of interest (recuses you).', body: conflictSchema },
  'POST /api/access-requests/:id/comments': { summary: 'Comment on an application.', body: commentSchema },
  'GET /api/review/queue': { summary: 'Applications waiting for your review, oldest first, a page at a time (the Link header gives the next).', query: queuePageSchema },
  [`POST ${R}/grants`]: { summary: 'Grant a user access directly (publishers).', body: grantSchema },
  [`POST ${R}/grants/revoke`]: { summary: 'Revoke a user\'s grant, with a reason.', body: revokeGrantBody },
  [`GET ${R}/user-access-request/:status`]: { summary: 'Access requests by status (Hub protocol).', hub: true },
  [`POST ${R}/user-access-request/handle`]: { summary: 'Accept or reject a request (Hub protocol).', body: handleSchema, hub: true },
  [`POST ${R}/user-access-request/grant`]: { summary: 'Grant a user access (Hub protocol).', body: grantSchema, hub: true },
  'GET /api/conditions': { summary: 'Platform-wide conditions.', public: true },
  'POST /api/conditions': { summary: 'Add a platform condition (platform admins).', body: platformConditionSchema },
  'POST /api/conditions/:id/retire': { summary: 'Retire a platform condition.' },

  // Researcher credentials and trainings
  'GET /api/me/profile': { summary: 'Your researcher profile.' },
  'PUT /api/me/profile': { summary: 'Save your researcher profile.', body: profileSchema },
  'GET /api/me/credential': { summary: 'Your credential application and status.' },
  'PUT /api/me/credential': { summary: 'Save your credential application (draft).', body: applicationSchema },
  'POST /api/me/credential/submit': { summary: 'Submit your credential application.' },
  'GET /api/credentials/queue': { summary: 'Credential applications waiting for staff.' },
  'GET /api/credentials/:id': { summary: 'One credential application, with staff notes.' },
  'POST /api/credentials/:id/identity-check': { summary: 'Record the identity check.', body: identityCheckSchema },
  'POST /api/credentials/:id/return': { summary: 'Return the application for changes.', body: returnSchema },
  'POST /api/credentials/:id/approve': { summary: 'Approve the credential.', body: approveSchema },
  'POST /api/credentials/:id/reject': { summary: 'Reject the application.', body: rejectSchema },
  'POST /api/credentials/:id/revoke': { summary: 'Revoke the credential.', body: revokeSchema },
  'GET /api/references/:token': { summary: 'What a reference is asked to confirm (one-time link).', public: true },
  'POST /api/references/:token': { summary: 'The reference\'s answer.', body: referenceResponseSchema, public: true },
  'GET /api/trainings': { summary: 'The training courses.', public: true },
  'POST /api/trainings': { summary: 'Create a course (platform admins).', body: trainingSchema },
  'GET /api/trainings/:slug': { summary: 'One course with its modules and quiz.', public: true },
  'PUT /api/trainings/:slug': { summary: 'Edit a course.', body: trainingSchema },
  'POST /api/trainings/:slug/attempts': { summary: 'Answer the quiz.', body: attemptSchema },
  'POST /api/trainings/:slug/certificates': { summary: 'Upload an external certificate (multipart form).' },
  'GET /api/me/trainings': { summary: 'Your certificates and their expiry.' },
  'GET /api/certificate-checks': { summary: 'Uploaded certificates waiting for staff.' },
  'GET /api/certificate-checks/:id': { summary: 'One uploaded certificate.' },
  'GET /api/certificate-checks/:id/file': { summary: 'The uploaded certificate file.' },
  'POST /api/certificate-checks/:id/accept': { summary: 'Accept an uploaded certificate.', body: acceptSchema },
  'POST /api/certificate-checks/:id/reject': { summary: 'Reject an uploaded certificate.', body: rejectCertificateSchema },
  'GET /api/me/notifications': { summary: 'Your notifications.' },
  'POST /api/me/notifications/read': { summary: 'Mark your notifications read.' },

  // Release governance and moderation
  [`GET ${R}/assessment`]: { summary: 'The risk–benefit assessment and its versions (of one release stage with ?stage=).', query: stageQuerySchema },
  [`PUT ${R}/assessment/draft`]: { summary: 'Save the assessment draft.', body: assessmentDraftSchema, query: stageQuerySchema },
  [`POST ${R}/assessment/submit`]: { summary: 'Submit the assessment for release review.', query: stageQuerySchema },
  [`POST ${R}/assessment/versions/:version/decision`]: { summary: 'Decide on an assessment version (release reviewers).', body: decisionSchema, query: stageQuerySchema },
  [`GET ${R}/transparency`]: { summary: 'The public transparency summary.', public: true },
  [`GET ${R}/stages`]: { summary: 'The staged-release schedule: each stage\'s files, level and embargo.', public: true },
  [`PUT ${R}/stages`]: { summary: 'Set the staged-release schedule (publishers).', body: scheduleSchema },
  'GET /api/assessments/queue': { summary: 'Assessments waiting for release review.' },
  [`POST ${R}/block`]: { summary: 'Block the repository (moderators).', body: blockSchema },
  [`POST ${R}/unblock`]: { summary: 'Unblock the repository (moderators).', body: unblockSchema },

  // Discussions, appeals and misuse reports
  [`GET ${R}/discussions`]: { summary: "The repository's discussion threads; appeals only for its publishers and the moderators.", public: true },
  [`POST ${R}/discussions`]: { summary: 'Open a discussion thread (open even when the files are gated or blocked).', body: newThreadSchema },
  [`GET ${R}/discussions/:id`]: { summary: 'A thread with its comments: markdown source and sanitized HTML; hidden ones with the reason only.', public: true },
  [`POST ${R}/discussions/:id/comments`]: { summary: 'Comment on a thread (moderators only once it is locked).', body: discussionCommentSchema },
  [`POST ${R}/discussions/:id/comments/:commentId/hide`]: { summary: 'Hide a comment with a reason (moderators).', body: moderationReasonSchema },
  [`POST ${R}/discussions/:id/lock`]: { summary: 'Lock a thread with a reason (moderators).', body: moderationReasonSchema },
  [`POST ${R}/discussions/:id/unlock`]: { summary: 'Unlock a thread (moderators).', body: unlockThreadSchema },
  [`POST ${R}/appeal`]: { summary: 'Appeal against a block (publishers), in a thread only publishers and moderators see.', body: appealSchema },
  'POST /api/misuse-reports': { summary: 'Report misuse; without an account give an email and get a status link (5 an hour per address).', body: fileReportSchema, public: true },
  'GET /api/misuse-reports': { summary: 'The misuse report queue (moderators); `closed=true` for dismissed and resolved ones.' },
  'GET /api/misuse-reports/status/:token': { summary: "A report's status through the reporter's status link.", public: true },
  'GET /api/misuse-reports/:id': { summary: 'A misuse report in full, with its history (moderators).' },
  'POST /api/misuse-reports/:id/actions': { summary: 'Triage a report: acknowledge, dismiss, contact the publisher, block, revoke grants or resolve.', body: triageSchema },
  'GET /api/me/misuse-reports': { summary: 'Your misuse reports.' },
  'GET /api/me/misuse-reports/:id': { summary: 'One of your misuse reports and its status.' },

  // Accountability
  'GET /api/admin/audit': { summary: 'Search the whole audit log (platform admins).', query: auditSearchSchema },
  [`GET ${R}/audit/export`]: { summary: 'The repository\'s audit records as JSON Lines with Merkle proofs.', query: auditExportQuerySchema },

  // Federation: GA4GH passports
  'GET /api/me/visas': { summary: 'Your visas from trusted GA4GH brokers.' },
  'POST /api/me/visas': { summary: 'Bring in a ResearcherStatus visa from a trusted broker.', body: submitVisaSchema },
  'GET /api/admin/trusted-brokers': { summary: 'The trusted GA4GH brokers (platform admins).' },
  'POST /api/admin/trusted-brokers': { summary: 'Trust a broker by issuer and key set address.', body: trustedBrokerSchema },
  'DELETE /api/admin/trusted-brokers/:id': { summary: 'Stop trusting a broker; its visas stop counting.' },

  // Webhooks
  [`GET ${R}/webhooks`]: { summary: 'The repository\'s webhook endpoints.' },
  [`POST ${R}/webhooks`]: { summary: 'Register a webhook endpoint; its signing secret is shown once.', body: createEndpointSchema },
  'GET /api/orgs/:org/webhooks': { summary: 'The organisation\'s webhook endpoints.' },
  'POST /api/orgs/:org/webhooks': { summary: 'Register an organisation-wide webhook endpoint.', body: createEndpointSchema },
  'DELETE /api/webhooks/:id': { summary: 'Delete a webhook endpoint.' },
  'GET /api/webhooks/:id/deliveries': { summary: 'Delivery history of an endpoint, with every attempt.' },
  'GET /api/admin/webhook-settings': { summary: 'Platform webhook settings.' },
  'PUT /api/admin/webhook-settings': { summary: 'Allow or refuse private and loopback targets.', body: webhookSettingsSchema },
};

/** Routes outside /api/ worth describing: the protocol and federation endpoints. */
export const OTHER_OPERATIONS: Record<string, Operation> = {
  'GET /:namespace/:name/resolve/*': { summary: 'Download a file (Hub protocol); gated, audited, ranges supported.', public: true, hub: true },
  'GET /datasets/:namespace/:name/resolve/*': { summary: 'Download a dataset file (Hub protocol).', public: true, hub: true },
  'GET /.well-known/airlock/keys.json': { summary: 'The ed25519 keys that sign manifests and audit checkpoints.', public: true },
  'GET /.well-known/jwks.json': { summary: 'The ES256 key set that signs GA4GH visas and passports.', public: true },
  'GET /ga4gh/passport/v1': { summary: 'Your GA4GH passport: a signed JWT carrying your visas.' },
  'GET /login/oidc/:provider': { summary: 'Sign in (or, signed in, link) with an OpenID provider: redirects there with PKCE.', public: true },
  'GET /login/oidc/:provider/callback': { summary: 'The redirect URI to register at the OpenID provider.', public: true },
  'GET /metrics': { summary: 'Prometheus metrics (metrics token, or loopback only).', public: true },
  'GET /healthz': { summary: 'Liveness.', public: true },
};
