-- The access epoch (see src/modules/access/access-epoch.ts): one counter that every committed
-- change to a table the download gate reads raises, in the writer's own transaction, so cached
-- gate facts are reloaded at the next request on every instance sharing this database.
INSERT INTO "access_epoch" ("id", "value") VALUES (1, 0) ON CONFLICT DO NOTHING;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "airlock_bump_access_epoch"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "access_epoch" SET "value" = "value" + 1 WHERE "id" = 1;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER "access_requests_bumps_access_epoch" AFTER INSERT OR UPDATE OR DELETE ON "access_requests" FOR EACH STATEMENT EXECUTE FUNCTION "airlock_bump_access_epoch"();
--> statement-breakpoint
CREATE TRIGGER "agreement_versions_bumps_access_epoch" AFTER INSERT OR UPDATE OR DELETE ON "agreement_versions" FOR EACH STATEMENT EXECUTE FUNCTION "airlock_bump_access_epoch"();
--> statement-breakpoint
CREATE TRIGGER "agreements_bumps_access_epoch" AFTER INSERT OR UPDATE OR DELETE ON "agreements" FOR EACH STATEMENT EXECUTE FUNCTION "airlock_bump_access_epoch"();
--> statement-breakpoint
CREATE TRIGGER "api_tokens_bumps_access_epoch" AFTER INSERT OR DELETE OR UPDATE OF "user_id", "scope", "token_hash", "expires_at", "revoked_at" ON "api_tokens" FOR EACH STATEMENT EXECUTE FUNCTION "airlock_bump_access_epoch"();
--> statement-breakpoint
CREATE TRIGGER "credential_applications_bumps_access_epoch" AFTER INSERT OR UPDATE OR DELETE ON "credential_applications" FOR EACH STATEMENT EXECUTE FUNCTION "airlock_bump_access_epoch"();
--> statement-breakpoint
CREATE TRIGGER "credential_events_bumps_access_epoch" AFTER INSERT OR UPDATE OR DELETE ON "credential_events" FOR EACH STATEMENT EXECUTE FUNCTION "airlock_bump_access_epoch"();
--> statement-breakpoint
CREATE TRIGGER "grants_bumps_access_epoch" AFTER INSERT OR UPDATE OR DELETE ON "grants" FOR EACH STATEMENT EXECUTE FUNCTION "airlock_bump_access_epoch"();
--> statement-breakpoint
CREATE TRIGGER "namespaces_bumps_access_epoch" AFTER INSERT OR UPDATE OR DELETE ON "namespaces" FOR EACH STATEMENT EXECUTE FUNCTION "airlock_bump_access_epoch"();
--> statement-breakpoint
CREATE TRIGGER "org_members_bumps_access_epoch" AFTER INSERT OR UPDATE OR DELETE ON "org_members" FOR EACH STATEMENT EXECUTE FUNCTION "airlock_bump_access_epoch"();
--> statement-breakpoint
CREATE TRIGGER "organizations_bumps_access_epoch" AFTER INSERT OR UPDATE OR DELETE ON "organizations" FOR EACH STATEMENT EXECUTE FUNCTION "airlock_bump_access_epoch"();
--> statement-breakpoint
CREATE TRIGGER "refs_bumps_access_epoch" AFTER INSERT OR UPDATE OR DELETE ON "refs" FOR EACH STATEMENT EXECUTE FUNCTION "airlock_bump_access_epoch"();
--> statement-breakpoint
CREATE TRIGGER "repo_access_policies_bumps_access_epoch" AFTER INSERT OR UPDATE OR DELETE ON "repo_access_policies" FOR EACH STATEMENT EXECUTE FUNCTION "airlock_bump_access_epoch"();
--> statement-breakpoint
CREATE TRIGGER "repositories_bumps_access_epoch" AFTER INSERT OR UPDATE OR DELETE ON "repositories" FOR EACH STATEMENT EXECUTE FUNCTION "airlock_bump_access_epoch"();
--> statement-breakpoint
CREATE TRIGGER "signatures_bumps_access_epoch" AFTER INSERT OR UPDATE OR DELETE ON "signatures" FOR EACH STATEMENT EXECUTE FUNCTION "airlock_bump_access_epoch"();
--> statement-breakpoint
CREATE TRIGGER "training_certificates_bumps_access_epoch" AFTER INSERT OR UPDATE OR DELETE ON "training_certificates" FOR EACH STATEMENT EXECUTE FUNCTION "airlock_bump_access_epoch"();
--> statement-breakpoint
CREATE TRIGGER "trainings_bumps_access_epoch" AFTER INSERT OR UPDATE OR DELETE ON "trainings" FOR EACH STATEMENT EXECUTE FUNCTION "airlock_bump_access_epoch"();
--> statement-breakpoint
CREATE TRIGGER "users_bumps_access_epoch" AFTER INSERT OR DELETE OR UPDATE OF "username", "email", "display_name", "platform_roles", "blocked_at", "blocked_reason" ON "users" FOR EACH STATEMENT EXECUTE FUNCTION "airlock_bump_access_epoch"();
