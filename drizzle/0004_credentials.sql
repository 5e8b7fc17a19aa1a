CREATE TABLE "notifications" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid,
	"recipient" text NOT NULL,
	"subject" text NOT NULL,
	"body" text NOT NULL,
	"link" text,
	"read_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL,
	"delivered_at" timestamp with time zone,
	"delivery_error" text
);
--> statement-breakpoint
CREATE TABLE "credential_applications" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"status" text NOT NULL,
	"research_summary" text,
	"reference_name" text,
	"reference_email" text,
	"reference_relationship" text,
	"profile_snapshot" jsonb,
	"submitted_at" timestamp with time zone,
	"identity_checked_at" timestamp with time zone,
	"identity_checked_by" uuid,
	"decided_at" timestamp with time zone,
	"decided_by" uuid,
	"decision_comment" text,
	"revoked_at" timestamp with time zone,
	"revoked_by" uuid,
	"revoke_reason" text,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "credential_events" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"application_id" uuid NOT NULL,
	"actor_user_id" uuid,
	"actor_role" text NOT NULL,
	"action" text NOT NULL,
	"comment" text,
	"internal" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "credential_references" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"application_id" uuid NOT NULL,
	"name" text NOT NULL,
	"email" text NOT NULL,
	"relationship" text NOT NULL,
	"token_hash" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"response" text,
	"note" text,
	"responded_at" timestamp with time zone,
	"superseded_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "researcher_profiles" (
	"user_id" uuid PRIMARY KEY NOT NULL,
	"full_name" text,
	"institution" text,
	"job_title" text,
	"category" text,
	"country" text,
	"orcid" text,
	"website" text,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credential_applications" ADD CONSTRAINT "credential_applications_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credential_applications" ADD CONSTRAINT "credential_applications_identity_checked_by_users_id_fk" FOREIGN KEY ("identity_checked_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credential_applications" ADD CONSTRAINT "credential_applications_decided_by_users_id_fk" FOREIGN KEY ("decided_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credential_applications" ADD CONSTRAINT "credential_applications_revoked_by_users_id_fk" FOREIGN KEY ("revoked_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credential_events" ADD CONSTRAINT "credential_events_application_id_credential_applications_id_fk" FOREIGN KEY ("application_id") REFERENCES "public"."credential_applications"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credential_events" ADD CONSTRAINT "credential_events_actor_user_id_users_id_fk" FOREIGN KEY ("actor_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credential_references" ADD CONSTRAINT "credential_references_application_id_credential_applications_id_fk" FOREIGN KEY ("application_id") REFERENCES "public"."credential_applications"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "researcher_profiles" ADD CONSTRAINT "researcher_profiles_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "notifications_user_idx" ON "notifications" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "credential_applications_one_open_idx" ON "credential_applications" USING btree ("user_id") WHERE status in ('draft', 'submitted', 'returned', 'approved');--> statement-breakpoint
CREATE INDEX "credential_applications_queue_idx" ON "credential_applications" USING btree ("status","submitted_at");--> statement-breakpoint
CREATE INDEX "credential_applications_user_idx" ON "credential_applications" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE INDEX "credential_events_application_idx" ON "credential_events" USING btree ("application_id","seq");--> statement-breakpoint
CREATE UNIQUE INDEX "credential_references_token_idx" ON "credential_references" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "credential_references_application_idx" ON "credential_references" USING btree ("application_id","created_at");