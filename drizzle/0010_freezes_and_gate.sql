-- Every statement may run again on a database that has it (IF NOT EXISTS): a migrator that stopped half way, or
-- one forgotten by drizzle's bookkeeping, is applied again without error.
CREATE TABLE IF NOT EXISTS "ops"."deploy_passes" (
	"pass_id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"service" text NOT NULL,
	"environment" text NOT NULL,
	"version" text NOT NULL,
	"reason" text NOT NULL,
	"requested_by" text NOT NULL,
	"requested_by_name" text,
	"requested_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"granted_by" text,
	"granted_by_name" text,
	"granted_at" timestamp (3) with time zone,
	"expires_at" timestamp (3) with time zone NOT NULL,
	"used_by_deployment" uuid,
	"used_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "ops"."firing_alerts" (
	"fingerprint" text NOT NULL,
	"starts_at" timestamp (3) with time zone NOT NULL,
	"service" text NOT NULL,
	"environment" text NOT NULL,
	"alertname" text,
	"summary" text,
	"last_seen_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"resolved_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "ops"."freezes" (
	"freeze_id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"service" text NOT NULL,
	"environment" text NOT NULL,
	"reason" text NOT NULL,
	"set_by" text NOT NULL,
	"set_by_name" text,
	"starts_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"ends_at" timestamp (3) with time zone NOT NULL,
	"lifted_at" timestamp (3) with time zone,
	"lifted_by" text,
	"lift_reason" text
);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "ops"."github_protection_requests" (
	"request_id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"delivery_id" text NOT NULL,
	"repository" text NOT NULL,
	"github_environment" text NOT NULL,
	"service" text,
	"environment" text,
	"version" text NOT NULL,
	"sha" text,
	"callback_url" text NOT NULL,
	"installation_id" text NOT NULL,
	"state" text NOT NULL,
	"reasons" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"commented_at" timestamp (3) with time zone,
	"answered_at" timestamp (3) with time zone,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"received_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "ops"."deployments" ADD COLUMN IF NOT EXISTS "frozen_by" jsonb;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "deploy_passes_open_idx" ON "ops"."deploy_passes" USING btree ("service","environment","version") WHERE used_at is null;--> statement-breakpoint
CREATE UNIQUE INDEX IF NOT EXISTS "firing_alerts_identity_idx" ON "ops"."firing_alerts" USING btree ("fingerprint","starts_at");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "firing_alerts_open_idx" ON "ops"."firing_alerts" USING btree ("service","environment") WHERE resolved_at is null;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "freezes_open_idx" ON "ops"."freezes" USING btree ("service","environment","ends_at") WHERE lifted_at is null;--> statement-breakpoint
CREATE UNIQUE INDEX IF NOT EXISTS "github_protection_requests_delivery_idx" ON "ops"."github_protection_requests" USING btree ("delivery_id");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "github_protection_requests_open_idx" ON "ops"."github_protection_requests" USING btree ("received_at") WHERE state in ('deciding', 'waiting');