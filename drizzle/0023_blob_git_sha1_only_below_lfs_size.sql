ALTER TABLE "blobs" ALTER COLUMN "git_sha1" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "revision_files" ALTER COLUMN "git_sha1" DROP NOT NULL;