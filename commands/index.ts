import { approveCommand } from './approve.ts';
import { freezeCommand } from './freeze.ts';
import { rollbackCommand } from './rollback.ts';

/** Every slash command backstop registers; `backstop commands register` bulk-overwrites Discord's set with this. */
export const commandDefinitions = [approveCommand, rollbackCommand, freezeCommand];
