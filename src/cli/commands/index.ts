/** Every command, in the order `shotrouter --help` lists them. */
import type { Command } from '../command.ts';
import { catalogCommand } from './catalog.ts';
import { doctorCommand } from './doctor.ts';
import { importCommand } from './import.ts';
import { importEditCommand } from './import-edit.ts';
import { mcpCommand } from './mcp.ts';
import { modelsCommand } from './models.ts';
import { packageCommand } from './package.ts';
import { pickCommand } from './pick.ts';
import { planCommand } from './plan.ts';
import { qcCommand } from './qc.ts';
import { runCommand } from './run.ts';
import { sandboxCommand } from './sandbox.ts';
import { serveCommand } from './serve.ts';
import { statusCommand } from './status.ts';
import { usersCommand } from './users.ts';
import { validateCommand } from './validate.ts';
import { workerCommand } from './worker.ts';

export const commands: Command[] = [
  validateCommand,
  importCommand,
  planCommand,
  modelsCommand,
  catalogCommand,
  runCommand,
  pickCommand,
  importEditCommand,
  packageCommand,
  qcCommand,
  statusCommand,
  doctorCommand,
  sandboxCommand,
  serveCommand,
  usersCommand,
  mcpCommand,
  workerCommand,
];
