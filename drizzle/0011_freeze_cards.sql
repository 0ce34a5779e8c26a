-- Every statement may run again on a database that has it (IF NOT EXISTS): a migrator that stopped half way, or
-- one forgotten by drizzle's bookkeeping, is applied again without error.
CREATE TABLE IF NOT EXISTS "ops"."freeze_messages" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"freeze_id" uuid,
	"pass_id" uuid,
	"github_request_id" uuid,
	"channel_id" text NOT NULL,
	"message_id" text NOT NULL,
	"rendered_state" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "freeze_messages_one_subject" CHECK (num_nonnulls(freeze_id, pass_id, github_request_id) = 1)
);
--> statement-breakpoint
DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'freeze_messages_freeze_id_freezes_freeze_id_fk') THEN ALTER TABLE "ops"."freeze_messages" ADD CONSTRAINT "freeze_messages_freeze_id_freezes_freeze_id_fk" FOREIGN KEY ("freeze_id") REFERENCES "ops"."freezes"("freeze_id") ON DELETE no action ON UPDATE no action; END IF; END $$;--> statement-breakpoint
DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'freeze_messages_pass_id_deploy_passes_pass_id_fk') THEN ALTER TABLE "ops"."freeze_messages" ADD CONSTRAINT "freeze_messages_pass_id_deploy_passes_pass_id_fk" FOREIGN KEY ("pass_id") REFERENCES "ops"."deploy_passes"("pass_id") ON DELETE no action ON UPDATE no action; END IF; END $$;--> statement-breakpoint
DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'freeze_messages_github_request_id_fk') THEN ALTER TABLE "ops"."freeze_messages" ADD CONSTRAINT "freeze_messages_github_request_id_fk" FOREIGN KEY ("github_request_id") REFERENCES "ops"."github_protection_requests"("request_id") ON DELETE no action ON UPDATE no action; END IF; END $$;--> statement-breakpoint
CREATE UNIQUE INDEX IF NOT EXISTS "freeze_messages_freeze_idx" ON "ops"."freeze_messages" USING btree ("freeze_id");--> statement-breakpoint
CREATE UNIQUE INDEX IF NOT EXISTS "freeze_messages_pass_idx" ON "ops"."freeze_messages" USING btree ("pass_id");--> statement-breakpoint
CREATE UNIQUE INDEX IF NOT EXISTS "freeze_messages_github_request_idx" ON "ops"."freeze_messages" USING btree ("github_request_id");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "freeze_messages_open_idx" ON "ops"."freeze_messages" USING btree ("rendered_state") WHERE rendered_state in ('active', 'requested', 'granted', 'waiting', 'unanswered');