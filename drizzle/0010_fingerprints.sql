CREATE TABLE "fingerprint_copies" (
	"blob_sha256" text NOT NULL,
	"user_id" uuid NOT NULL,
	"scheme" text NOT NULL,
	"sha256" text NOT NULL,
	"md5" text NOT NULL,
	"size" bigint NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "fingerprint_copies_blob_sha256_user_id_pk" PRIMARY KEY("blob_sha256","user_id")
);
--> statement-breakpoint
CREATE TABLE "repository_fingerprinting" (
	"repo_id" uuid PRIMARY KEY NOT NULL,
	"enabled" boolean NOT NULL,
	"updated_by" uuid NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "fingerprint_copies" ADD CONSTRAINT "fingerprint_copies_blob_sha256_blobs_sha256_fk" FOREIGN KEY ("blob_sha256") REFERENCES "public"."blobs"("sha256") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fingerprint_copies" ADD CONSTRAINT "fingerprint_copies_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "repository_fingerprinting" ADD CONSTRAINT "repository_fingerprinting_repo_id_repositories_id_fk" FOREIGN KEY ("repo_id") REFERENCES "public"."repositories"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "repository_fingerprinting" ADD CONSTRAINT "repository_fingerprinting_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "fingerprint_copies_user_idx" ON "fingerprint_copies" USING btree ("user_id");