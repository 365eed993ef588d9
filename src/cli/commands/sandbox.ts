import { runSandboxCommand } from '../../sandbox/index.ts';
import type { Command } from '../command.ts';

export const sandboxCommand: Command = {
  name: 'sandbox',
  summary: 'serve every supported provider API on loopback, for tests and rehearsals (no spend)',
  usage:
    'shotrouter sandbox [--port N] [--latency-ms A-B] [--faults KIND=P,…] [--seed N] [--concurrency PROVIDER=N,…] [--max-size WxH] [--media-dir DIR]',
  options: {},
  positionals: { min: 0, max: Number.POSITIVE_INFINITY },
  ownFlags: true,
  run: (args, io) =>
    runSandboxCommand(args.positionals, {
      stdout: io.stdout,
      stderr: io.stderr,
      signal: io.signal,
      env: io.env,
    }),
};
