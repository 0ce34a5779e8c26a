import { describe, expect, it } from 'vitest';
import { commandDefinitions } from '../../../commands/index.ts';
import { parseCommand, type CommandDef } from '../src/parse-command.ts';

// The sandbox's message box parses against the very definitions backstop registers with Discord.
const commands = commandDefinitions as unknown as CommandDef[];
const id = '3f2a9c1e-7b4d-4e8a-9f0c-1d2e3f4a5b6c';

describe('parseCommand', () => {
  it.each([
    ['/rollback history', { name: 'rollback', options: [{ type: 1, name: 'history', options: [] }] }],
    ['/rollback history limit:3 status:failed', { name: 'rollback', options: [{ type: 1, name: 'history', options: [{ type: 4, name: 'limit', value: 3 }, { type: 3, name: 'status', value: 'failed' }] }] }],
    [
      `/approve rollback deployment_id:${id} reason:5xx on checkout, see: the dashboard override:true`,
      {
        name: 'approve',
        options: [{ type: 1, name: 'rollback', options: [{ type: 3, name: 'deployment_id', value: id }, { type: 3, name: 'reason', value: '5xx on checkout, see: the dashboard' }, { type: 5, name: 'override', value: true }] }],
      },
    ],
  ])('%s', (text, expected) => {
    expect(parseCommand(text, commands)).toEqual({ ok: true, ...expected });
  });

  it.each([
    ['rollback history', 'Commands start with "/": try /rollback history or /approve rollback'],
    ['/deploy now', '/deploy is not a command here. Commands: /approve, /rollback, /freeze'],
    ['/rollback', '/rollback needs a subcommand: history, check, plan, status, cancel'],
    ['/rollback undo', '/rollback has no subcommand "undo" (choose history, check, plan, status, cancel)'],
    ['/rollback history limit:lots', '/rollback history: limit must be a whole number, not "lots"'],
    ['/rollback history everything', '/rollback history has no option "everything" (options: service, environment, status, limit)'],
    ['/rollback history limit:3 limit:4', '/rollback history: limit is given twice'],
    [`/approve rollback deployment_id:${id}`, '/approve rollback needs reason:'],
    [`/approve rollback deployment_id:${id} reason:x override:maybe`, '/approve rollback: override must be true or false, not "maybe"'],
    ['/rollback check deployment_id:', '/rollback check: deployment_id is empty'],
  ])('refuses %s', (text, error) => {
    expect(parseCommand(text, commands)).toEqual({ ok: false, error });
  });

  it('marks the option being typed as focused for autocomplete, with required options still missing', () => {
    expect(parseCommand('/approve rollback deployment_id:3f2', commands, { autocomplete: true })).toEqual({
      ok: true,
      name: 'approve',
      focused: 'deployment_id',
      options: [{ type: 1, name: 'rollback', options: [{ type: 3, name: 'deployment_id', value: '3f2', focused: true }] }],
    });
    // Nothing to suggest while a non-autocompleted option is typed.
    expect(parseCommand('/rollback history limit:', commands, { autocomplete: true })).toMatchObject({ ok: false });
    expect(parseCommand('/rollback history', commands, { autocomplete: true })).toEqual({ ok: true, name: 'rollback', options: [{ type: 1, name: 'history', options: [] }] });
  });
});
