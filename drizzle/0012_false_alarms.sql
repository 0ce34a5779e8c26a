-- Every statement may run again on a database that has it (IF NOT EXISTS): a migrator that stopped half way, or
-- one forgotten by drizzle's bookkeeping, is applied again without error. The new table is the runtime's to read and
-- write like any operational table: 0009's default privileges grant it when backstop_owner creates it, and
-- src/db/migrate.ts hands it over when a run that began before 0009 created it as another login.
CREATE TABLE IF NOT EXISTS "ops"."false_alarms" (
	"decision_id" bigint PRIMARY KEY NOT NULL,
	"service" text NOT NULL,
	"environment" text NOT NULL,
	"rules" text[] NOT NULL,
	"deployment_id" uuid NOT NULL,
	"event_id" uuid,
	"labelled_by" text NOT NULL,
	"labelled_by_name" text,
	"source" "ops"."action_source" NOT NULL,
	"reason" text,
	"labelled_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"demoted" jsonb,
	"notice_message_id" text
);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "false_alarms_notice_owed_idx" ON "ops"."false_alarms" USING btree ("labelled_at") WHERE demoted is not null and notice_message_id is null;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "health_decisions_firings_idx" ON "ops"."health_decisions" USING btree ("service","environment","id" DESC NULLS LAST) WHERE action in ('observe', 'warn', 'propose', 'auto_with_veto', 'auto');
