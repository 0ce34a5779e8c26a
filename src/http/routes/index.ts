import type { AnyRoute } from '../route.ts';
import { completeDeploymentRoute, createDeploymentRoute, pushHealthRoute, recordMigrationRoute } from './deployments.ts';
import { cancelRoute, decideRoute } from './rollback-decide.ts';
import {
  autoRollbackCheckRoute,
  autoRollbackHistoryRoute,
  rollbackCheckRoute,
  rollbackEvidenceRoute,
  rollbackGetRoute,
  rollbackHistoryRoute,
  rollbackListRoute,
} from './rollback-read.ts';
import { autoRollbackRoute, requestRollbackRoute } from './rollback-request.ts';
import { healthRoute, metricsRoute, openApiRoute } from './ops.ts';
import { alertmanagerRoute } from './alerts.ts';
import { acknowledgeHoldRoute } from './automation.ts';
import { labelFalseAlarmRoute } from './decisions.ts';
import { gateRoute, grantPassRoute, requestPassRoute } from './gate.ts';
import { liftFreezeRoute, listFreezesRoute, setFreezeRoute } from './freezes.ts';
import { githubWebhookRoute } from './github.ts';

// Every endpoint, registered explicitly; static paths come before parameterised ones. Annotated rather than `satisfies`:
// this is the registry boundary where each route's own types are erased (see AnyRoute).
export const ROUTES: readonly AnyRoute[] = [
  healthRoute,
  metricsRoute,
  openApiRoute,
  createDeploymentRoute,
  completeDeploymentRoute,
  recordMigrationRoute,
  pushHealthRoute,
  alertmanagerRoute,
  acknowledgeHoldRoute,
  labelFalseAlarmRoute,
  gateRoute,
  requestPassRoute,
  grantPassRoute,
  listFreezesRoute,
  setFreezeRoute,
  liftFreezeRoute,
  githubWebhookRoute,
  autoRollbackRoute,
  autoRollbackCheckRoute,
  autoRollbackHistoryRoute,
  requestRollbackRoute,
  rollbackCheckRoute,
  rollbackHistoryRoute,
  rollbackListRoute,
  rollbackGetRoute,
  rollbackEvidenceRoute,
  decideRoute,
  cancelRoute,
];
