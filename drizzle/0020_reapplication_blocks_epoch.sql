-- A refusal names a re-application bar (reapplication_blocks), and refusals are cached with the
-- gate's facts at the access epoch, so a bar set or lifted must raise the epoch too.
CREATE TRIGGER "reapplication_blocks_bumps_access_epoch" AFTER INSERT OR UPDATE OR DELETE ON "reapplication_blocks" FOR EACH STATEMENT EXECUTE FUNCTION "airlock_bump_access_epoch"();
