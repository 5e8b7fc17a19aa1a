-- Custom SQL migration file, put your code below! --
-- Whether a repository fingerprints its weights decides what a download serves, and the download
-- path caches that flag per access epoch, so turning it on or off raises the epoch too.
CREATE TRIGGER "repository_fingerprinting_bumps_access_epoch" AFTER INSERT OR UPDATE OR DELETE ON "repository_fingerprinting" FOR EACH STATEMENT EXECUTE FUNCTION "airlock_bump_access_epoch"();
