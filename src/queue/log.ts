/**
 * Structured logs: one JSON object a line, with the time, the level, a message and the ids that
 * say what it is about (worker, run, job, shot), so a studio's log collector can follow a job
 * from one worker to the next. Secrets never go in: callers log ids and states, not requests.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export type LogFields = Record<string, string | number | boolean | null | undefined | string[]>;

export interface Logger {
  log(level: LogLevel, message: string, fields?: LogFields): void;
  /** a logger that adds `fields` to every line */
  with(fields: LogFields): Logger;
}

export function jsonLogger(
  write: (line: string) => void,
  base: LogFields = {},
  now: () => number = Date.now,
): Logger {
  return {
    log(level, message, fields = {}) {
      const line: Record<string, unknown> = { time: new Date(now()).toISOString(), level, message };
      for (const [key, value] of Object.entries({ ...base, ...fields })) {
        if (value !== undefined) line[key] = value;
      }
      write(`${JSON.stringify(line)}\n`);
    },
    with(fields) {
      return jsonLogger(write, { ...base, ...fields }, now);
    },
  };
}

export const silentLogger: Logger = {
  log() {},
  with() {
    return silentLogger;
  },
};

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
