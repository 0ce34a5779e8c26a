import { ApplicationCommandOptionType as T, type ChatInputCommandInteraction } from 'discord.js';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { rollbackCommand } from '../../../commands/rollback.ts';
import { readArgs, type OptionReader } from '../../../src/gateway/command-args.ts';
import { AppError } from '../../../src/errors/app-error.ts';

const subcommand = {
  type: T.Subcommand,
  name: 'try',
  description: 'every option type the reader knows',
  options: [
    { type: T.String, name: 'event_id', description: 'required', required: true },
    { type: T.String, name: 'reason', description: 'optional' },
    { type: T.Integer, name: 'limit', description: 'optional' },
    { type: T.Number, name: 'ratio', description: 'optional' },
    { type: T.Boolean, name: 'override', description: 'required', required: true },
  ],
} as const;

type Sent = { type: T.String; value: string } | { type: T.Integer | T.Number; value: number } | { type: T.Boolean; value: boolean };

// Behaves like discord.js's resolver for the options Discord sent: null when absent, an error for the wrong getter.
function fakeOptions(sent: Record<string, Sent>): OptionReader & { calls: string[] } {
  const calls: string[] = [];
  const getter = <V>(type: T) => (name: string): V | null => {
    calls.push(name);
    const option = sent[name];
    if (!option) return null;
    if (option.type !== type) throw new TypeError(`option "${name}" is of type ${option.type}; expected ${type}`);
    return option.value as V;
  };
  return { calls, getString: getter(T.String), getInteger: getter(T.Integer), getNumber: getter(T.Number), getBoolean: getter(T.Boolean) };
}

describe('readArgs', () => {
  it('reads each option with the getter its definition names, typed by the definition', () => {
    const options = fakeOptions({
      event_id: { type: T.String, value: 'e1' },
      reason: { type: T.String, value: 'why' },
      limit: { type: T.Integer, value: 3 },
      ratio: { type: T.Number, value: 0.5 },
      override: { type: T.Boolean, value: false },
    });
    const args = readArgs(subcommand, options);
    expect(args).toEqual({ event_id: 'e1', reason: 'why', limit: 3, ratio: 0.5, override: false });
    expect(options.calls).toEqual(['event_id', 'reason', 'limit', 'ratio', 'override']);
    expectTypeOf(args).toEqualTypeOf<{
      readonly event_id: string;
      readonly reason: string | null;
      readonly limit: number | null;
      readonly ratio: number | null;
      readonly override: boolean;
    }>();
    // @ts-expect-error: the definition has no option `deployment_id`
    expect(args.deployment_id).toBeUndefined();
  });

  it('gives null for optional options Discord did not send', () => {
    const args = readArgs(subcommand, fakeOptions({ event_id: { type: T.String, value: 'e1' }, override: { type: T.Boolean, value: true } }));
    expect(args).toEqual({ event_id: 'e1', reason: null, limit: null, ratio: null, override: true });
  });

  it('refuses a required option Discord did not send, naming it', () => {
    const read = () => readArgs(subcommand, fakeOptions({ override: { type: T.Boolean, value: true } }));
    expect(read).toThrow(AppError);
    expect(read).toThrow(/^event_id is required; run backstop commands register/);
  });

  it('reads a subcommand without options as no arguments', () => {
    expect(readArgs({ type: T.Subcommand, name: 'bare' }, fakeOptions({}))).toEqual({});
  });

  it('types the real definitions: /rollback history and /rollback cancel', () => {
    const [history, , , , cancel] = rollbackCommand.options;
    const historyArgs = readArgs(history, fakeOptions({ limit: { type: T.Integer, value: 2 } }));
    expect(historyArgs).toEqual({ service: null, environment: null, status: null, limit: 2 });
    expectTypeOf(historyArgs).toEqualTypeOf<{ readonly service: string | null; readonly environment: string | null; readonly status: string | null; readonly limit: number | null }>();
    const cancelArgs = readArgs(cancel, fakeOptions({ event_id: { type: T.String, value: 'e1' } }));
    expectTypeOf(cancelArgs).toEqualTypeOf<{ readonly event_id: string; readonly reason: string | null }>();
  });

  it("accepts discord.js's own option resolver", () => {
    expectTypeOf<ChatInputCommandInteraction['options']>().toExtend<OptionReader>();
  });
});
