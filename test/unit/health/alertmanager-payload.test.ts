import { describe, expect, it } from 'vitest';
import { parseAlertmanagerPayload } from '../../../src/health/alertmanager-payload.ts';

// Shaped like what Alertmanager 0.25 posts (captured from the real binary in test/integration/health-sources.test.ts).
const labels = { alertname: 'HighErrorRate', environment: 'production', service: 'payments' };
const alert = (over: Record<string, unknown> = {}) => ({
  status: 'firing',
  labels,
  annotations: { summary: 'error rate above 5/min' },
  startsAt: '2026-11-22T22:26:11.535123456Z',
  endsAt: '0001-01-01T00:00:00Z',
  generatorURL: 'http://prometheus:9090/graph?g0.expr=x',
  fingerprint: '41a73a6852a6766c',
  ...over,
});
const payload = (over: Record<string, unknown> = {}) => ({
  receiver: 'backstop',
  status: 'firing',
  alerts: [alert()],
  groupLabels: labels,
  commonLabels: labels,
  commonAnnotations: { summary: 'error rate above 5/min' },
  externalURL: 'http://alertmanager:9093',
  version: '4',
  groupKey: '{}:{alertname="HighErrorRate", environment="production", service="payments"}',
  truncatedAlerts: 0,
  ...over,
});
const without = (key: string, obj: Record<string, unknown>) => Object.fromEntries(Object.entries(obj).filter(([k]) => k !== key));

describe('parseAlertmanagerPayload', () => {
  it.each([
    ['a firing group', payload()],
    ['a resolved group', payload({ status: 'resolved', alerts: [alert({ status: 'resolved', endsAt: '2026-11-22T22:31:00Z' })] })],
    ['a mixed group, offsets, no generatorURL or truncatedAlerts', without('truncatedAlerts', payload({ alerts: [without('generatorURL', alert()), alert({ status: 'resolved', startsAt: '2026-11-22T23:00:00+01:00', fingerprint: 'b' })] }))],
    ['fields a newer Alertmanager may add', payload({ alerts: [alert({ silencedBy: [] })], somethingNew: true })],
  ])('accepts %s', (_name, body) => {
    const parsed = parseAlertmanagerPayload(body);
    expect(parsed.ok ? [] : parsed.errors).toEqual([]);
    if (parsed.ok) expect(parsed.payload.alerts[0]!.labels).toEqual(labels);
  });

  it.each([
    ['not an object', 'hello', [['(root)', 'expected an object']]],
    ['labels of an alert not an object', payload({ alerts: [alert({ labels: ['service=payments'] })] }), [['alerts[0].labels', 'expected an object']]],
    ['a label value not a string', payload({ alerts: [alert(), alert({ labels: { service: 42 } })] }), [['alerts[1].labels.service', 'expected a string']]],
    ['an unknown alert status', payload({ alerts: [alert({ status: 'pending' })] }), [['alerts[0].status', 'expected one of: "firing", "resolved"']]],
    ['an unknown group status', payload({ status: 'ok' }), [['status', 'expected one of: "firing", "resolved"']]],
    ['another payload version', payload({ version: '3' }), [['version', 'expected one of: "4"']]],
    ['no alerts', payload({ alerts: [] }), [['alerts', 'expected at least one alert']]],
    ['a start that is not a timestamp', payload({ alerts: [alert({ startsAt: 'yesterday' })] }), [['alerts[0].startsAt', 'expected a valid datetime']]],
    ['a missing fingerprint', payload({ alerts: [without('fingerprint', alert())] }), [['alerts[0].fingerprint', 'required: expected a string']]],
    ['an empty fingerprint', payload({ alerts: [alert({ fingerprint: '' })] }), [['alerts[0].fingerprint', 'must not be empty']]],
    ['commonLabels missing, groupKey a number', without('commonLabels', payload({ groupKey: 7 })), [['commonLabels', 'required: expected an object'], ['groupKey', 'expected a string']]],
    ['a negative truncatedAlerts', payload({ truncatedAlerts: -1 }), [['truncatedAlerts', 'expected a number ≥ 0']]],
  ])('rejects %s, naming the field', (_name, body, expected) => {
    const parsed = parseAlertmanagerPayload(body);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.errors.map((e) => [e.path, e.message])).toEqual(expected);
  });
});
