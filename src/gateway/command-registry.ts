import { commandDefinitions } from '../../commands/index.ts';
import type { Role } from '../config/schema.ts';
import type { Actor, CoreDeps } from '../core/deps.ts';
import { NEEDS } from './authorize.ts';
import { readArgs, type ArgsOf, type CommandDefinition, type OptionReader, type SubcommandDefinition } from './command-args.ts';
import { approveRollback } from './handlers/approve-rollback.ts';
import { cancelReply } from './handlers/cancel.ts';
import { checkReply } from './handlers/check.ts';
import { freezeLiftReply } from './handlers/freeze-lift.ts';
import { freezeListReply } from './handlers/freeze-list.ts';
import { freezeSetReply } from './handlers/freeze-set.ts';
import { historyPage, historyQuery } from './handlers/history.ts';
import { planReply } from './handlers/plan.ts';
import type { Reply } from './handlers/reply.ts';
import { statusReply } from './handlers/status.ts';

// Every `command subcommand` pair of commands/index.ts, mapped to that subcommand's definition. Naming the definitions
// as CommandDefinition (the constraint) makes a definition the reader cannot read a compile error, not a silent gap.
type Pairs<Name extends string, S> = S extends SubcommandDefinition ? { route: `${Name} ${S['name']}`; subcommand: S } : never;
type PairsOf<C extends CommandDefinition> = C extends CommandDefinition ? Pairs<C['name'], C['options'][number]> : never;
type RouteTable = { [P in PairsOf<(typeof commandDefinitions)[number]> as P['route']]: P['subcommand'] };

export type RouteName = keyof RouteTable;
/** The arguments of one subcommand, e.g. `CommandArgs<'rollback cancel'>`. */
export type CommandArgs<R extends RouteName> = ArgsOf<RouteTable[R]>;

export interface CommandHandler<Args> {
  needs: readonly Role[];
  handle: (deps: CoreDeps, actor: Actor, args: Args) => Promise<Reply>;
}

export type CommandRegistry = { [R in RouteName]: CommandHandler<CommandArgs<R>> };

/** Who may run each subcommand and what answers it. A subcommand with no entry, or an entry reading an option its
 * definition lacks, does not compile. Anything that changes state needs a deciding role. */
export const commandRegistry = {
  'approve rollback': {
    needs: NEEDS.decide,
    handle: (deps, actor, args) => approveRollback(deps, actor, { deploymentId: args.deployment_id, reason: args.reason, override: args.override ?? false }),
  },
  'rollback history': { needs: NEEDS.view, handle: (deps, _actor, args) => historyPage(deps, historyQuery(deps.config, args)) },
  'rollback check': { needs: NEEDS.view, handle: (deps, _actor, args) => checkReply(deps, args.deployment_id) },
  'rollback plan': { needs: NEEDS.view, handle: (deps, _actor, args) => planReply(deps, args.deployment_id) },
  'rollback status': { needs: NEEDS.view, handle: (deps, _actor, args) => statusReply(deps, args.event_id) },
  'rollback cancel': { needs: NEEDS.decide, handle: (deps, actor, args) => cancelReply(deps, actor, { eventId: args.event_id, reason: args.reason }) },
  // Stopping deploys is the safe direction, but it still changes what may ship: a deciding role, as lifting takes.
  'freeze set': { needs: NEEDS.decide, handle: (deps, actor, args) => freezeSetReply(deps, actor, args) },
  'freeze list': { needs: NEEDS.view, handle: (deps, _actor, args) => freezeListReply(deps, args) },
  'freeze lift': { needs: NEEDS.decide, handle: (deps, actor, args) => freezeLiftReply(deps, actor, { freezeId: args.freeze_id, reason: args.reason }) },
} satisfies CommandRegistry;

/** A registry entry joined to the definition its arguments are read by. */
export interface CommandRoute {
  needs: readonly Role[];
  run: (deps: CoreDeps, actor: Actor, options: OptionReader) => Promise<Reply>;
}

const registry: CommandRegistry = commandRegistry;
const isRouteName = (name: string): name is RouteName => Object.hasOwn(registry, name);

// Generic in the route so that the entry's argument type and the reader's result are the same type, without a cast. `run`
// is async so that an unreadable option rejects like any other handler failure.
function bind<R extends RouteName>(route: R, subcommand: RouteTable[R]): CommandRoute {
  const entry = registry[route];
  return { needs: entry.needs, run: async (deps, actor, options) => entry.handle(deps, actor, readArgs(subcommand, options)) };
}

const routes = new Map<string, CommandRoute>();
for (const definition of commandDefinitions) {
  for (const subcommand of definition.options) {
    const route = `${definition.name} ${subcommand.name}`;
    if (isRouteName(route)) routes.set(route, bind(route, subcommand));
  }
}

/** The route for an invoked command, or null when backstop has no such subcommand (Discord holds stale definitions). */
export function findRoute(command: string, subcommand: string | null): CommandRoute | null {
  return subcommand === null ? null : (routes.get(`${command} ${subcommand}`) ?? null);
}
