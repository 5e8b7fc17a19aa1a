CREATE TABLE "application_comments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"application_id" uuid NOT NULL,
	"author_id" uuid NOT NULL,
	"text" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "application_conflicts" (
	"application_id" uuid NOT NULL,
	"reviewer_id" uuid NOT NULL,
	"reason" text NOT NULL,
	"declared_at" timestamp with time zone NOT NULL,
	CONSTRAINT "application_conflicts_application_id_reviewer_id_pk" PRIMARY KEY("application_id","reviewer_id")
);
--> statement-breakpoint
CREATE TABLE "application_events" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"application_id" uuid NOT NULL,
	"actor_user_id" uuid,
	"actor_role" text NOT NULL,
	"action" text NOT NULL,
	"from_status" text,
	"to_status" text NOT NULL,
	"comment" text,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "application_votes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"application_id" uuid NOT NULL,
	"reviewer_id" uuid NOT NULL,
	"round" integer NOT NULL,
	"decision" text NOT NULL,
	"comment" text,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "repo_access_policies" (
	"repo_id" uuid PRIMARY KEY NOT NULL,
	"requires_credential" boolean DEFAULT false NOT NULL,
	"min_statement_length" integer DEFAULT 0 NOT NULL,
	"grant_duration_days" integer,
	"decision_rule" jsonb DEFAULT '{"kind":"single"}'::jsonb NOT NULL,
	"form_fields" jsonb,
	"updated_by" uuid,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "repo_reviewers" (
	"repo_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"added_by" uuid NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "repo_reviewers_repo_id_user_id_pk" PRIMARY KEY("repo_id","user_id")
);
--> statement-breakpoint
ALTER TABLE "access_requests" ADD COLUMN "purpose" text;--> statement-breakpoint
ALTER TABLE "access_requests" ADD COLUMN "agreement_id" uuid;--> statement-breakpoint
ALTER TABLE "access_requests" ADD COLUMN "agreement_version" integer;--> statement-breakpoint
ALTER TABLE "access_requests" ADD COLUMN "round" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "access_requests" ADD COLUMN "submitted_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "access_requests" ADD COLUMN "updated_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "access_requests" ADD COLUMN "withdrawn_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "application_comments" ADD CONSTRAINT "application_comments_application_id_access_requests_id_fk" FOREIGN KEY ("application_id") REFERENCES "public"."access_requests"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "application_comments" ADD CONSTRAINT "application_comments_author_id_users_id_fk" FOREIGN KEY ("author_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "application_conflicts" ADD CONSTRAINT "application_conflicts_application_id_access_requests_id_fk" FOREIGN KEY ("application_id") REFERENCES "public"."access_requests"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "application_conflicts" ADD CONSTRAINT "application_conflicts_reviewer_id_users_id_fk" FOREIGN KEY ("reviewer_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "application_events" ADD CONSTRAINT "application_events_application_id_access_requests_id_fk" FOREIGN KEY ("application_id") REFERENCES "public"."access_requests"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "application_events" ADD CONSTRAINT "application_events_actor_user_id_users_id_fk" FOREIGN KEY ("actor_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "application_votes" ADD CONSTRAINT "application_votes_application_id_access_requests_id_fk" FOREIGN KEY ("application_id") REFERENCES "public"."access_requests"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "application_votes" ADD CONSTRAINT "application_votes_reviewer_id_users_id_fk" FOREIGN KEY ("reviewer_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "repo_access_policies" ADD CONSTRAINT "repo_access_policies_repo_id_repositories_id_fk" FOREIGN KEY ("repo_id") REFERENCES "public"."repositories"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "repo_access_policies" ADD CONSTRAINT "repo_access_policies_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "repo_reviewers" ADD CONSTRAINT "repo_reviewers_repo_id_repositories_id_fk" FOREIGN KEY ("repo_id") REFERENCES "public"."repositories"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "repo_reviewers" ADD CONSTRAINT "repo_reviewers_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "repo_reviewers" ADD CONSTRAINT "repo_reviewers_added_by_users_id_fk" FOREIGN KEY ("added_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "application_comments_application_idx" ON "application_comments" USING btree ("application_id","created_at");--> statement-breakpoint
CREATE INDEX "application_events_application_idx" ON "application_events" USING btree ("application_id","seq");--> statement-breakpoint
CREATE UNIQUE INDEX "application_votes_once_idx" ON "application_votes" USING btree ("application_id","reviewer_id","round");--> statement-breakpoint
CREATE INDEX "repo_reviewers_user_idx" ON "repo_reviewers" USING btree ("user_id");--> statement-breakpoint
ALTER TABLE "access_requests" ADD CONSTRAINT "access_requests_agreement_id_agreements_id_fk" FOREIGN KEY ("agreement_id") REFERENCES "public"."agreements"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
-- Data: access requests become applications (pending → submitted, accepted → approved).
UPDATE "access_requests" SET "updated_at" = coalesce("decided_at", "created_at"), "submitted_at" = "created_at";--> statement-breakpoint
UPDATE "access_requests" SET "status" = 'submitted' WHERE "status" = 'pending';--> statement-breakpoint
UPDATE "access_requests" SET "status" = 'approved' WHERE "status" = 'accepted';--> statement-breakpoint
-- At most one open application per user and repository: older duplicates (from a race) are withdrawn.
UPDATE "access_requests" AS r SET "status" = 'withdrawn', "withdrawn_at" = now()
WHERE r."status" = 'submitted' AND EXISTS (
  SELECT 1 FROM "access_requests" AS n
  WHERE n."repo_id" = r."repo_id" AND n."user_id" = r."user_id" AND n."status" = 'submitted'
    AND (n."created_at", n."id") > (r."created_at", r."id")
);--> statement-breakpoint
CREATE UNIQUE INDEX "access_requests_one_open_idx" ON "access_requests" USING btree ("repo_id","user_id") WHERE status in ('draft', 'submitted', 'returned');