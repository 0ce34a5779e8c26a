CREATE SCHEMA "ops";
--> statement-breakpoint
CREATE TYPE "ops"."action_source" AS ENUM('discord', 'api', 'cli', 'system');--> statement-breakpoint
CREATE TYPE "ops"."approval_decision" AS ENUM('approve', 'reject');--> statement-breakpoint
CREATE TYPE "ops"."deployment_status" AS ENUM('pending', 'in_progress', 'success', 'failed', 'rolled_back');--> statement-breakpoint
CREATE TYPE "ops"."reversibility" AS ENUM('expand', 'reversible', 'destructive', 'irreversible');--> statement-breakpoint
CREATE TYPE "ops"."rollback_status" AS ENUM('requested', 'awaiting_approval', 'approved', 'queued', 'running', 'verifying', 'succeeded', 'failed', 'rejected', 'expired', 'cancelled');--> statement-breakpoint
CREATE TYPE "ops"."snapshot_type" AS ENUM('pre_deployment', 'post_deployment', 'pre_rollback', 'post_rollback');--> statement-breakpoint
CREATE TYPE "ops"."trigger_type" AS ENUM('automatic', 'manual', 'alert');--> statement-breakpoint
CREATE TABLE "ops"."deployments" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"deployment_id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"service" text NOT NULL,
	"environment" text NOT NULL,
	"version" text NOT NULL,
	"git_commit" text NOT NULL,
	"git_branch" text,
	"deployed_by" text,
	"deployed_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"status" "ops"."deployment_status" DEFAULT 'in_progress' NOT NULL,
	"rollback_from" uuid,
	"health_check_passed" boolean DEFAULT false NOT NULL,
	"health_check_details" jsonb,
	"constitutional_validation" jsonb,
	"metadata" jsonb,
	"completed_at" timestamp (3) with time zone,
	"rolled_back_at" timestamp (3) with time zone,
	"quarantined" boolean DEFAULT false NOT NULL,
	CONSTRAINT "deployments_deployment_id_unique" UNIQUE("deployment_id")
);
--> statement-breakpoint
CREATE TABLE "ops"."rollback_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"event_id" uuid NOT NULL,
	"deployment_id" uuid NOT NULL,
	"target_deployment_id" uuid,
	"service" text NOT NULL,
	"environment" text NOT NULL,
	"trigger_type" "ops"."trigger_type" NOT NULL,
	"trigger_reason" text NOT NULL,
	"trigger_data" jsonb,
	"initiated_by" text,
	"initiated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"status" "ops"."rollback_status" NOT NULL,
	"status_reason" text,
	"rollback_plan" jsonb,
	"plan_hash" text,
	"constitutional_validation" jsonb,
	"override_requested" boolean DEFAULT false NOT NULL,
	"approvals_required" integer NOT NULL,
	"requester_counts" boolean DEFAULT true NOT NULL,
	"expires_at" timestamp (3) with time zone,
	"rollback_steps" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"claim_fence" integer DEFAULT 0 NOT NULL,
	"claimed_by" text,
	"heartbeat_at" timestamp (3) with time zone,
	"approved_at" timestamp (3) with time zone,
	"started_at" timestamp (3) with time zone,
	"completed_at" timestamp (3) with time zone,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"metadata" jsonb,
	CONSTRAINT "rollback_events_event_id_unique" UNIQUE("event_id")
);
--> statement-breakpoint
CREATE TABLE "ops"."approvals" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"event_id" uuid NOT NULL,
	"approver" text NOT NULL,
	"approver_name" text,
	"decision" "ops"."approval_decision" NOT NULL,
	"reason" text NOT NULL,
	"source" "ops"."action_source" NOT NULL,
	"plan_hash" text NOT NULL,
	"with_override_role" boolean DEFAULT false NOT NULL,
	"decided_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "approvals_event_approver_uq" UNIQUE("event_id","approver")
);
--> statement-breakpoint
CREATE TABLE "ops"."system_snapshots" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"snapshot_id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"deployment_id" uuid NOT NULL,
	"event_id" uuid,
	"snapshot_type" "ops"."snapshot_type" NOT NULL,
	"database_schema_hash" text,
	"table_counts" jsonb,
	"key_metrics" jsonb,
	"environment_config" jsonb,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "system_snapshots_snapshot_id_unique" UNIQUE("snapshot_id")
);
--> statement-breakpoint
CREATE TABLE "ops"."migration_history" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"deployment_id" uuid NOT NULL,
	"migration_name" text NOT NULL,
	"migration_hash" text NOT NULL,
	"reversibility" "ops"."reversibility" NOT NULL,
	"applied_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"rolled_back_at" timestamp (3) with time zone,
	"rollback_successful" boolean,
	"execution_time_ms" integer,
	"error_message" text,
	"rollback_script" text,
	"metadata" jsonb,
	CONSTRAINT "migration_history_deployment_name_uq" UNIQUE("deployment_id","migration_name")
);
--> statement-breakpoint
CREATE TABLE "ops"."health_samples" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"deployment_id" uuid NOT NULL,
	"source" text NOT NULL,
	"observed_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"error_rate_per_minute" double precision,
	"recent_errors" integer,
	"database_connections_pct" double precision,
	"active_queries" integer,
	"p95_ms" double precision,
	"memory_pct" double precision,
	"raw" jsonb
);
--> statement-breakpoint
CREATE TABLE "ops"."audit_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp (3) with time zone NOT NULL,
	"actor" text NOT NULL,
	"source" text NOT NULL,
	"action" text NOT NULL,
	"subject" text,
	"reason" text,
	"result" text NOT NULL,
	"severity" text NOT NULL,
	"details" jsonb,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL,
	CONSTRAINT "audit_log_hash_unique" UNIQUE("hash")
);
--> statement-breakpoint
ALTER TABLE "ops"."rollback_events" ADD CONSTRAINT "rollback_events_deployment_id_deployments_deployment_id_fk" FOREIGN KEY ("deployment_id") REFERENCES "ops"."deployments"("deployment_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ops"."rollback_events" ADD CONSTRAINT "rollback_events_target_deployment_id_deployments_deployment_id_fk" FOREIGN KEY ("target_deployment_id") REFERENCES "ops"."deployments"("deployment_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ops"."approvals" ADD CONSTRAINT "approvals_event_id_rollback_events_event_id_fk" FOREIGN KEY ("event_id") REFERENCES "ops"."rollback_events"("event_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ops"."system_snapshots" ADD CONSTRAINT "system_snapshots_deployment_id_deployments_deployment_id_fk" FOREIGN KEY ("deployment_id") REFERENCES "ops"."deployments"("deployment_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ops"."migration_history" ADD CONSTRAINT "migration_history_deployment_id_deployments_deployment_id_fk" FOREIGN KEY ("deployment_id") REFERENCES "ops"."deployments"("deployment_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ops"."health_samples" ADD CONSTRAINT "health_samples_deployment_id_deployments_deployment_id_fk" FOREIGN KEY ("deployment_id") REFERENCES "ops"."deployments"("deployment_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "deployments_service_env_time_idx" ON "ops"."deployments" USING btree ("service","environment","deployed_at" DESC NULLS LAST);--> statement-breakpoint
CREATE UNIQUE INDEX "rollback_events_one_active_idx" ON "ops"."rollback_events" USING btree ("service","environment") WHERE status in ('requested', 'awaiting_approval', 'approved', 'queued', 'running', 'verifying');--> statement-breakpoint
CREATE INDEX "rollback_events_history_idx" ON "ops"."rollback_events" USING btree ("initiated_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "rollback_events_deployment_idx" ON "ops"."rollback_events" USING btree ("deployment_id");--> statement-breakpoint
CREATE UNIQUE INDEX "system_snapshots_event_type_idx" ON "ops"."system_snapshots" USING btree ("event_id","snapshot_type") WHERE event_id is not null;--> statement-breakpoint
CREATE INDEX "health_samples_deployment_time_idx" ON "ops"."health_samples" USING btree ("deployment_id","observed_at" DESC NULLS LAST);