import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackstop, testPolicy, type Backstop } from '../support/harness.ts';

const run = promisify(execFile);
// The devDependency's own entry point, run by this Node: no PATH lookup, and knip sees the dependency used.
const REDOCLY = fileURLToPath(import.meta.resolve('@redocly/cli/bin/cli.js'));
const PACKAGE_JSON = JSON.parse(readFileSync(resolve('package.json'), 'utf8')) as { version: string; license: string };

interface Operation {
  operationId?: string;
  parameters?: Array<{ name: string; in: string; schema: { type?: string; format?: string; pattern?: string } }>;
  responses: Record<string, unknown>;
}

// Every status each operation can answer with, read from the code: register() and the token check (400, 401, 403,
// 413, 415, and 429 from the brake on guessing tokens), the error handler (503 when PostgreSQL is down) and each
// route's own outcomes. A change here is a change of the API's contract, on purpose.
const STATUSES: Record<string, number[]> = {
  getHealth: [200, 503],
  getMetrics: [200],
  getOpenApiDocument: [200, 400],
  createDeployment: [201, 400, 401, 403, 413, 415, 422, 429, 503],
  completeDeployment: [200, 400, 401, 403, 404, 409, 413, 415, 429, 503],
  recordMigration: [201, 400, 401, 403, 404, 409, 413, 415, 429, 503],
  pushHealthSample: [201, 400, 401, 403, 404, 413, 415, 429, 503],
  receiveAlertmanagerWebhook: [200, 400, 401, 403, 413, 415, 429, 503],
  acknowledgeAutomationHold: [200, 400, 401, 403, 422, 429, 503],
  labelFalseAlarm: [201, 400, 401, 403, 404, 409, 413, 415, 429, 503],
  requestRollback: [201, 400, 401, 403, 404, 409, 413, 415, 422, 429, 503],
  autoRollback: [201, 400, 401, 403, 404, 409, 413, 415, 422, 429, 503],
  checkDeployment: [200, 400, 401, 403, 404, 413, 415, 422, 429, 503],
  autoRollbackCheck: [200, 400, 401, 403, 404, 413, 415, 422, 429, 503],
  listRollbacks: [200, 400, 401, 403, 429, 503],
  listRollbackHistory: [200, 400, 401, 403, 429, 503],
  autoRollbackHistory: [200, 400, 401, 403, 429, 503],
  getRollback: [200, 400, 401, 403, 404, 429, 503],
  getRollbackEvidence: [200, 400, 401, 403, 404, 429, 503],
  decideRollback: [200, 400, 401, 403, 404, 409, 413, 415, 429, 503],
  cancelRollback: [200, 400, 401, 403, 404, 409, 413, 415, 429, 503],
  askGate: [200, 400, 401, 403, 422, 429, 503],
  requestDeployPass: [201, 400, 401, 403, 413, 415, 422, 429, 503],
  grantDeployPass: [200, 400, 401, 403, 404, 409, 413, 415, 429, 503],
  listFreezes: [200, 400, 401, 403, 422, 429, 503],
  setFreeze: [201, 400, 401, 403, 413, 415, 422, 429, 503],
  liftFreeze: [200, 400, 401, 403, 404, 409, 413, 415, 429, 503],
  receiveGithubWebhook: [200, 202, 400, 401, 503],
};

describe('the OpenAPI document, as served', () => {
  let b: Backstop;
  let doc: { info: { version: string; license: { identifier: string } }; servers: unknown[]; paths: Record<string, Record<string, Operation>> };
  const dir = mkdtempSync(join(tmpdir(), 'backstop-openapi-'));
  const operations = () => Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ at: `${method} ${path}`, op })));
  const operation = (id: string) => operations().find(({ op }) => op.operationId === id)!.op;

  beforeAll(async () => {
    b = await startBackstop({ policy: testPolicy({ executorArgv: ['true'] }), roles: { worker: false } });
    const res = await fetch(`${b.url}/api/openapi.json`);
    expect(res.status).toBe(200);
    doc = (await res.json()) as typeof doc;
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await b?.close();
  });

  it('passes Redocly CLI with no error and no warning (rules: redocly.yaml)', async () => {
    const file = join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(doc, null, 2));
    // Exits 1 on an error; the report on stdout says what either way (stderr holds only a Node version banner).
    const { stdout } = await run(process.execPath, [REDOCLY, 'lint', file, '--format=json', '--config', resolve('redocly.yaml')]).catch((err: { stdout: string }) => err);
    const report = JSON.parse(stdout) as { totals: { errors: number; warnings: number }; problems: Array<{ ruleId: string; severity: string; message: string; location: Array<{ pointer: string }> }> };
    expect(report.problems.map((p) => `${p.severity} ${p.ruleId} at ${p.location[0]?.pointer}: ${p.message}`)).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  }, 60_000);

  it('names each operation with a unique camelCase operationId, the seed aliases included', () => {
    const ids = operations().map(({ at, op }) => op.operationId ?? `(none on ${at})`);
    for (const id of ids) expect(id).toMatch(/^[a-z][a-zA-Z0-9]*$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(Object.keys(STATUSES).sort());
  });

  it('documents every status each operation can answer with, and no other', () => {
    for (const { at, op } of operations()) expect(Object.keys(op.responses).map(Number), at).toEqual(STATUSES[op.operationId!]);
  });

  it('documents 201, not 200, for the operations that create', () => {
    for (const id of ['createDeployment', 'recordMigration', 'pushHealthSample', 'requestRollback', 'autoRollback', 'labelFalseAlarm']) {
      expect(Object.keys(operation(id).responses), id).toContain('201');
      expect(Object.keys(operation(id).responses), id).not.toContain('200');
    }
  });

  it("takes path parameters' schemas from the route: ids are UUIDs, a service and an environment are names", () => {
    const param = (id: string, name: string) => operation(id).parameters!.find((p) => p.in === 'path' && p.name === name)!.schema;
    for (const name of ['service', 'environment']) {
      expect(param('acknowledgeAutomationHold', name)).toMatchObject({ type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,62}$' });
      expect(param('acknowledgeAutomationHold', name).format).toBeUndefined();
    }
    expect(param('completeDeployment', 'id')).toMatchObject({ type: 'string', format: 'uuid' });
    expect(param('getRollback', 'event_id')).toMatchObject({ type: 'string', format: 'uuid' });
    expect(param('labelFalseAlarm', 'decision_id')).toMatchObject({ type: 'string', pattern: '^[1-9][0-9]{0,14}$' });
  });

  it("carries the package's version and license, a server and the security schemes", () => {
    expect(doc.info.version).toBe(PACKAGE_JSON.version);
    expect(doc.info.license.identifier).toBe(PACKAGE_JSON.license);
    expect(doc.servers).toEqual([expect.objectContaining({ url: '/' })]);
    expect(operation('getHealth')).toMatchObject({ security: [] });
    expect(operation('createDeployment')).not.toHaveProperty('security');
  });
});
