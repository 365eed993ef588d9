/**
 * How `run` shows progress: on a terminal, a live view redrawn in place (at most ten times a
 * second) with the spend against the budget and every shot in flight; otherwise one plain line
 * per change; with --json, one JSON event per line.
 */
import type { EngineEvent, JobEvent } from '../../engine/events.ts';
import type { AssemblyEvent } from '../../lib/run.ts';
import type { CommandIO } from '../command.ts';

export type ViewEvent = EngineEvent | AssemblyEvent;

export interface ProgressView {
  handle(event: ViewEvent): void;
  /** draws the last state and stops redrawing */
  close(): void;
}

/** `jobs`: how many jobs the run has; `done`: how many were done before it started. */
export function progressView(
  io: CommandIO,
  mode: 'json' | 'live' | 'lines',
  jobs: { total: number; done: number },
): ProgressView {
  if (mode === 'json') {
    return { handle: (event) => io.stdout.write(`${JSON.stringify(event)}\n`), close() {} };
  }
  return mode === 'live' ? new LiveView(io, jobs) : new LineView(io);
}

const ACTIVE = new Set(['starting', 'running', 'downloading']);

function describe(event: JobEvent): string {
  const take = event.take > 0 ? ` take ${event.take + 1}` : '';
  // a skipped shot was made by another job (its group's): its own model was never called
  const on =
    event.model && event.state !== 'skipped'
      ? ` ${event.model}${event.provider ? ` (${event.provider})` : ''}`
      : '';
  const why = event.reason ? `: ${event.reason}` : '';
  return `${event.key.replace(/#\d+$/, '')}${take} ${event.state}${on}${why}`;
}

/** One assembly step as a line: `s03 take 2 conforming`, `joining 7 clips`, … */
export function describeAssembly(event: AssemblyEvent): string {
  switch (event.step) {
    case 'conform':
      return `${event.shotId}${event.take > 0 ? ` take ${event.take + 1}` : ''} conforming`;
    case 'join':
      return `joining ${event.clips} clip${event.clips === 1 ? '' : 's'} into the cut`;
    case 'timelines':
      return 'writing the timelines';
    case 'report':
      return 'writing the report';
  }
}

function money(usd: number): string {
  return `$${usd.toFixed(2)}`;
}

class LineView implements ProgressView {
  readonly #io: CommandIO;
  constructor(io: CommandIO) {
    this.#io = io;
  }
  handle(event: ViewEvent): void {
    const time = event.at.slice(11, 19);
    if (event.type === 'job') this.#io.stdout.write(`${time} ${describe(event)}\n`);
    else if (event.type === 'assembly') {
      this.#io.stdout.write(`${time} ${describeAssembly(event)}\n`);
    } else if (event.type === 'fallback') {
      this.#io.stdout.write(
        `${time} ${event.key.replace(/#\d+$/, '')} ${event.from} failed: ${event.reason}${event.to ? `; trying ${event.to}` : ''}\n`,
      );
    } else if (event.type === 'retry') {
      this.#io.stdout.write(
        `${time} ${event.key.replace(/#\d+$/, '')} retry in ${Math.round(event.delayMs / 1000)} s: ${event.message}\n`,
      );
    } else if (event.type === 'still') {
      this.#io.stdout.write(
        `${time} images.${event.name} ${event.state} ${event.model}${event.reason ? `: ${event.reason}` : ''}\n`,
      );
    }
  }
  close(): void {}
}

class LiveView implements ProgressView {
  readonly #io: CommandIO;
  readonly #counts: { total: number; done: number };
  readonly #jobs = new Map<string, JobEvent>();
  #spend = { reservedUsd: 0, spentUsd: 0, budgetUsd: null as number | null };
  #drawnLines = 0;
  #timer: NodeJS.Timeout | undefined;
  #dirty = false;
  /** the last assembly step seen (clips are conformed while the run goes on) */
  #assembly: string | undefined;

  constructor(io: CommandIO, counts: { total: number; done: number }) {
    this.#io = io;
    this.#counts = counts;
  }

  handle(event: ViewEvent): void {
    if (event.type === 'job') this.#jobs.set(event.jobId, event);
    else if (event.type === 'assembly') this.#assembly = describeAssembly(event);
    else if (event.type === 'still') this.#assembly = `images.${event.name} ${event.state}`;
    else if (event.type === 'spend') this.#spend = event;
    else if (event.type === 'fallback' || event.type === 'retry') return;
    this.#dirty = true;
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.#draw();
    }, 100);
  }

  close(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#draw();
  }

  #draw(): void {
    if (!this.#dirty) return;
    this.#dirty = false;
    const jobs = [...this.#jobs.values()];
    const count = (state: string) => jobs.filter((j) => j.state === state).length;
    const active = jobs.filter((j) => ACTIVE.has(j.state));
    const { spentUsd, reservedUsd, budgetUsd } = this.#spend;
    const budget = budgetUsd === null ? '' : ` of ${money(budgetUsd)}`;
    const held = reservedUsd > 0 ? ` (+${money(reservedUsd)} reserved)` : '';
    const width = Math.max(40, this.#io.stdout.columns ?? 80) - 1;
    const lines = [
      `spent ${money(spentUsd)}${budget}${held} · done ${this.#counts.done + count('done')}/${this.#counts.total} · in flight ${active.length} · failed ${count('failed')}`,
    ];
    const shown = active.slice(0, 12);
    for (const job of shown) lines.push(`  ${describe(job)}`);
    if (active.length > shown.length) lines.push(`  … and ${active.length - shown.length} more`);
    if (this.#assembly !== undefined) lines.push(`  ${this.#assembly}`);
    const text = lines.map((l) => (l.length > width ? `${l.slice(0, width - 1)}…` : l));
    // back to the top of the previous drawing, clear it, draw again
    const up = this.#drawnLines > 0 ? `\x1b[${this.#drawnLines}F` : '';
    this.#io.stdout.write(`${up}\x1b[J${text.join('\n')}\n`);
    this.#drawnLines = text.length;
  }
}
