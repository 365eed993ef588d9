/**
 * Every command, in the order `shotrouter --help` lists them. A command's module is imported
 * only when that command runs: `plan` then never loads the server, the store, the queue or the
 * media tools, which made its start several times slower (every command ran the imports of all).
 */
import type { Command } from '../command.ts';

const LOADERS: ReadonlyArray<readonly [string, () => Promise<Command>]> = [
  ['validate', async () => (await import('./validate.ts')).validateCommand],
  ['import', async () => (await import('./import.ts')).importCommand],
  ['plan', async () => (await import('./plan.ts')).planCommand],
  ['models', async () => (await import('./models.ts')).modelsCommand],
  ['catalog', async () => (await import('./catalog.ts')).catalogCommand],
  ['run', async () => (await import('./run.ts')).runCommand],
  ['pick', async () => (await import('./pick.ts')).pickCommand],
  ['import-edit', async () => (await import('./import-edit.ts')).importEditCommand],
  ['package', async () => (await import('./package.ts')).packageCommand],
  ['qc', async () => (await import('./qc.ts')).qcCommand],
  ['status', async () => (await import('./status.ts')).statusCommand],
  ['doctor', async () => (await import('./doctor.ts')).doctorCommand],
  ['sandbox', async () => (await import('./sandbox.ts')).sandboxCommand],
  ['serve', async () => (await import('./serve.ts')).serveCommand],
  ['users', async () => (await import('./users.ts')).usersCommand],
  ['mcp', async () => (await import('./mcp.ts')).mcpCommand],
  ['worker', async () => (await import('./worker.ts')).workerCommand],
];

/** The command called `name`, its module imported now; undefined when there is none. */
export async function loadCommand(name: string): Promise<Command | undefined> {
  const loader = LOADERS.find(([n]) => n === name)?.[1];
  return loader ? await loader() : undefined;
}

/** Every command (for the help text), in the order listed. */
export async function loadCommands(): Promise<Command[]> {
  return Promise.all(LOADERS.map(([, load]) => load()));
}
