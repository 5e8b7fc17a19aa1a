ALTER TABLE "audit_checkpoints" ADD COLUMN "from_position" bigint;--> statement-breakpoint
ALTER TABLE "audit_checkpoints" ADD COLUMN "merkle_root" text;--> statement-breakpoint
CREATE INDEX "audit_events_action_idx" ON "audit_events" USING btree ("action","seq");--> statement-breakpoint
CREATE INDEX "audit_events_at_idx" ON "audit_events" USING btree ("at");