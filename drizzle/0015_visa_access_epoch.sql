-- Custom SQL migration file, put your code below! --
-- Incoming GA4GH visas and trusted brokers decide the credentialed requirement at the download
-- gate (a ResearcherStatus visa stands in for a credential), so they raise the access epoch too.
CREATE TRIGGER "external_visas_bumps_access_epoch" AFTER INSERT OR UPDATE OR DELETE ON "external_visas" FOR EACH STATEMENT EXECUTE FUNCTION "airlock_bump_access_epoch"();
--> statement-breakpoint
CREATE TRIGGER "trusted_brokers_bumps_access_epoch" AFTER INSERT OR UPDATE OR DELETE ON "trusted_brokers" FOR EACH STATEMENT EXECUTE FUNCTION "airlock_bump_access_epoch"();
