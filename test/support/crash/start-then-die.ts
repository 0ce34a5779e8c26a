// A worker that dies in the one moment the execute step cannot record: after the command executor has spawned its
// process, before the start is written down. Usage: start-then-die.ts <pid-file> <argv…>
// It writes the spawned pid to <pid-file>, then SIGKILLs itself from inside onStarted.
import { writeFileSync } from 'node:fs';
import { createCommandExecutor } from '../../../src/executors/command.ts';
import { createLogger } from '../../../src/logging/logger.ts';
import { executionRequest } from '../execution-request.ts';

const [pidFile, ...argv] = process.argv.slice(2);
if (!pidFile || argv.length === 0) throw new Error('usage: start-then-die.ts <pid-file> <argv…>');
const executor = createCommandExecutor({ kind: 'command', argv, timeout: 10_000, idempotent: false }, { logger: createLogger({ level: 'silent' }), baseEnv: { PATH: process.env.PATH } });
await executor.execute(
  executionRequest({
    onStarted: async (proof) => {
      writeFileSync(pidFile, String(proof.pid));
      process.kill(process.pid, 'SIGKILL');
      await new Promise(() => undefined);
    },
  }),
);
