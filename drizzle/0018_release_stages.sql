CREATE TABLE "release_stages" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"repo_id" uuid NOT NULL,
	"position" integer NOT NULL,
	"name" text NOT NULL,
	"paths" text[] NOT NULL,
	"revision" text,
	"revision_commit" text,
	"access_level" text NOT NULL,
	"embargo_until" timestamp with time zone,
	"created_by" uuid NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "release_stages" ADD CONSTRAINT "release_stages_repo_id_repositories_id_fk" FOREIGN KEY ("repo_id") REFERENCES "public"."repositories"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "release_stages" ADD CONSTRAINT "release_stages_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "release_stages_repo_idx" ON "release_stages" USING btree ("repo_id","position");--> statement-breakpoint
CREATE TRIGGER "release_stages_bumps_access_epoch" AFTER INSERT OR UPDATE OR DELETE ON "release_stages" FOR EACH STATEMENT EXECUTE FUNCTION "airlock_bump_access_epoch"();
