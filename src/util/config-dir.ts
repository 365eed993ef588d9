/**
 * The user's shotrouter configuration folder: `$XDG_CONFIG_HOME/shotrouter`, else
 * `~/.config/shotrouter`. Credentials, trusted catalog keys and the installed catalog live there.
 */
import { homedir } from 'node:os';
import path from 'node:path';

export type Env = Record<string, string | undefined>;

export function configDir(env: Env = process.env): string {
  const configHome =
    nonEmpty(env.XDG_CONFIG_HOME) ?? path.join(nonEmpty(env.HOME) ?? homedir(), '.config');
  return path.join(configHome, 'shotrouter');
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
