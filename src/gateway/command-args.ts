import { ApplicationCommandOptionType as OptionType } from 'discord.js';
import { AppError } from '../errors/app-error.ts';

// The shapes of commands/ that the reader understands. A definition using another option type (user, channel, …) or
// options without subcommands does not fit, so the registry stops compiling until the reader learns it.
type ScalarOptionType = OptionType.String | OptionType.Integer | OptionType.Number | OptionType.Boolean;

export interface OptionDefinition {
  readonly type: ScalarOptionType;
  readonly name: string;
  readonly required?: boolean;
}

export interface SubcommandDefinition {
  readonly type: OptionType.Subcommand;
  readonly name: string;
  readonly options?: readonly OptionDefinition[];
}

export interface CommandDefinition {
  readonly name: string;
  readonly options: readonly SubcommandDefinition[];
}

type ValueOf<T extends ScalarOptionType> = T extends OptionType.String ? string : T extends OptionType.Boolean ? boolean : number;
type ArgOf<O extends OptionDefinition> = O extends { readonly required: true } ? ValueOf<O['type']> : ValueOf<O['type']> | null;

/** A subcommand's arguments, keyed by the option names of its definition: required ones are never null. */
export type ArgsOf<S extends SubcommandDefinition> = {
  readonly [O in NonNullable<S['options']>[number] as O['name']]: ArgOf<O>;
};

/** What the reader uses of discord.js's CommandInteractionOptionResolver (absent options are null). */
export interface OptionReader {
  getString(name: string): string | null;
  getInteger(name: string): number | null;
  getNumber(name: string): number | null;
  getBoolean(name: string): boolean | null;
}

function readOption(option: OptionDefinition, options: OptionReader): string | number | boolean | null {
  switch (option.type) {
    case OptionType.String:
      return options.getString(option.name);
    case OptionType.Integer:
      return options.getInteger(option.name);
    case OptionType.Number:
      return options.getNumber(option.name);
    case OptionType.Boolean:
      return options.getBoolean(option.name);
  }
}

/** Reads every option of the invoked subcommand as its definition declares it; handlers never name an option by string. */
export function readArgs<S extends SubcommandDefinition>(subcommand: S, options: OptionReader): ArgsOf<S> {
  const args: Record<string, string | number | boolean | null> = {};
  for (const option of subcommand.options ?? []) {
    const value = readOption(option, options);
    // Discord enforces required options, so a missing one means Discord holds older definitions than backstop's.
    if (value === null && option.required) {
      throw new AppError('VALIDATION_FAILED', `${option.name} is required; run backstop commands register to refresh the commands`);
    }
    args[option.name] = value;
  }
  // The one place the runtime values meet the derived type: the loop above read exactly the definition's options.
  return args as ArgsOf<S>;
}
