import { describe, expect, expectTypeOf, it } from 'vitest';
import { commandDefinitions } from '../../../commands/index.ts';
import type { Actor, CoreDeps } from '../../../src/core/deps.ts';
import { NEEDS } from '../../../src/gateway/authorize.ts';
import type { OptionReader } from '../../../src/gateway/command-args.ts';
import { commandRegistry, findRoute, type CommandArgs, type CommandRegistry } from '../../../src/gateway/command-registry.ts';
import { checkReply } from '../../../src/gateway/handlers/check.ts';

const pairs = commandDefinitions.flatMap((c) => c.options.map((s): [string, string] => [c.name, s.name]));

// Only strings are sent here; the cases below never get past the handlers' input checks, so deps are never touched.
const stringsOnly = (sent: Record<string, string>): OptionReader => ({
  getString: (name) => sent[name] ?? null,
  getInteger: () => null,
  getNumber: () => null,
  getBoolean: () => null,
});
const unusedDeps = {} as CoreDeps;
const actor: Actor = { id: 'discord:1', name: 'alice', roles: new Set(['approver']), source: 'discord' };

describe('the command registry', () => {
  it('has exactly one entry per subcommand of every definition that backstop registers', () => {
    expect(pairs.length).toBeGreaterThan(0);
    for (const [command, sub] of pairs) expect(findRoute(command, sub), `${command} ${sub}`).not.toBeNull();
    expect(Object.keys(commandRegistry).sort()).toEqual(pairs.map((p) => p.join(' ')).sort());
  });

  it.each([
    ['approve rollback', NEEDS.decide],
    ['rollback cancel', NEEDS.decide],
    ['rollback history', NEEDS.view],
    ['rollback check', NEEDS.view],
    ['rollback plan', NEEDS.view],
    ['rollback status', NEEDS.view],
    ['freeze set', NEEDS.decide],
    ['freeze lift', NEEDS.decide],
    ['freeze list', NEEDS.view],
  ] as const)('%s needs %j', (route, needs) => {
    expect(commandRegistry[route].needs).toEqual(needs);
    expect(findRoute(...(route.split(' ') as [string, string]))?.needs).toEqual(needs);
  });

  it('finds no route for a subcommand or command it does not define', () => {
    expect(findRoute('rollback', 'undo')).toBeNull();
    expect(findRoute('deploy', 'now')).toBeNull();
    expect(findRoute('rollback', null)).toBeNull();
    expect(findRoute('rollback', 'constructor')).toBeNull();
  });

  it("reads the invoked subcommand's options into its handler", async () => {
    const status = findRoute('rollback', 'status');
    await expect(status?.run(unusedDeps, actor, stringsOnly({ event_id: 'nope' }))).rejects.toThrow('event_id: expected a UUID, got "nope"');
    await expect(status?.run(unusedDeps, actor, stringsOnly({}))).rejects.toThrow(/^event_id is required/);
    const approve = findRoute('approve', 'rollback');
    await expect(approve?.run(unusedDeps, actor, stringsOnly({ deployment_id: 'abc-123', reason: 'x' }))).rejects.toThrow('deployment_id: expected a UUID, got "abc-123"');
    const lift = findRoute('freeze', 'lift');
    await expect(lift?.run(unusedDeps, actor, stringsOnly({ freeze_id: 'abc-123' }))).rejects.toThrow('freeze_id: expected a UUID, got "abc-123"');
    const freeze = findRoute('freeze', 'set');
    await expect(freeze?.run(unusedDeps, actor, stringsOnly({ service: 'payments', environment: 'production', duration: 'forever', reason: 'x' }))).rejects.toThrow(
      'duration: expected a duration such as 30m, 2h or 3d (at most 30d), got "forever"',
    );
  });

  it('derives the handlers’ argument types from the definitions', () => {
    expectTypeOf<CommandArgs<'approve rollback'>>().toEqualTypeOf<{ readonly deployment_id: string; readonly reason: string; readonly override: boolean | null }>();
    expectTypeOf<CommandArgs<'rollback status'>>().toEqualTypeOf<{ readonly event_id: string }>();
    expectTypeOf<CommandArgs<'freeze set'>>().toEqualTypeOf<{ readonly service: string; readonly environment: string; readonly duration: string; readonly reason: string }>();
    expectTypeOf<CommandArgs<'freeze list'>>().toEqualTypeOf<{ readonly service: string | null; readonly environment: string | null }>();
  });

  it('does not compile a handler that reads an option its definition lacks, or a registry with a gap or an extra', () => {
    // The control: the same handler reading an option the definition has compiles.
    const readsDeploymentId: CommandRegistry['rollback check']['handle'] = (deps, _actor, args) => checkReply(deps, args.deployment_id);
    // @ts-expect-error: /rollback check has no option event_id
    const readsEventId: CommandRegistry['rollback check']['handle'] = (deps, _actor, args) => checkReply(deps, args.event_id);

    const { 'rollback cancel': _cancel, ...withoutCancel } = commandRegistry;
    // @ts-expect-error: /rollback cancel has no entry
    const withGap: CommandRegistry = withoutCancel;

    const withExtra = {
      ...commandRegistry,
      // @ts-expect-error: there is no /rollback undo to handle
      'rollback undo': { needs: NEEDS.decide, handle: commandRegistry['rollback cancel'].handle },
    } satisfies CommandRegistry;

    expect([readsDeploymentId, readsEventId, withGap, withExtra].every(Boolean)).toBe(true);
  });
});
