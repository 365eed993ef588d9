import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { CommandIO } from '../../src/cli/command.ts';
import { main } from '../../src/cli/main.ts';
import { probe } from '../../src/media/index.ts';

const FIXTURE = fileURLToPath(new URL('../fixtures/run/three-shots.yaml', import.meta.url));

function memoryIO(cwd: string, options: { tty?: boolean } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = Object.assign(new PassThrough(), { isTTY: options.tty ?? false, columns: 100 });
  const stderr = Object.assign(new PassThrough(), { isTTY: options.tty ?? false });
  stdout.on('data', (chunk) => out.push(String(chunk)));
  stderr.on('data', (chunk) => err.push(String(chunk)));
  const io: CommandIO = {
    stdout,
    stderr,
    stdin: Object.assign(new PassThrough(), { isTTY: options.tty ?? false }),
    env: {},
    cwd,
    signal: new AbortController().signal,
  };
  return { io, stdout: () => out.join(''), stderr: () => err.join('') };
}

let dir: string;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shotrouter-run-'));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('shotrouter run --preview', () => {
  test('renders every shot, assembles final.mp4 at the deliver format, writes report.json', async () => {
    const out = path.join(dir, 'film');
    const t = memoryIO(dir);
    const code = await main(['run', FIXTURE, '--preview', '--out', out], t.io);
    assert.equal(code, 0, t.stderr());

    const final = await probe(path.join(out, 'final.mp4'));
    assert.ok(Math.abs(final.durationSeconds - 3.5) <= 1 / 24, `duration ${final.durationSeconds}`);
    assert.equal(final.width, 320);
    assert.equal(final.height, 180);
    assert.equal(final.fps, 24);
    assert.equal(final.hasAudio, true);

    const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'));
    assert.equal(report.title, 'Tiny preview film');
    assert.deepEqual(
      report.shots.map((s: { id: string }) => s.id),
      ['s01', 's02', 's03'],
    );
    for (const shot of report.shots) {
      for (const key of [
        'id',
        'model',
        'provider',
        'attempts',
        'spend_usd',
        'file',
        'sha256',
        'warnings',
      ]) {
        assert.ok(key in shot, `shots[].${key}`);
      }
      assert.equal(typeof shot.model, 'string');
      assert.equal(shot.attempts, 1);
      assert.equal(shot.spend_usd, 0);
      assert.match(shot.sha256, /^[0-9a-f]{64}$/);
      assert.equal(shot.file, `media/${shot.sha256}.mp4`);
      assert.ok(fs.existsSync(path.join(out, shot.file)));
      assert.ok(Array.isArray(shot.warnings));
    }
    assert.deepEqual(report.total.spend_usd, 0);
    // each generated take is what was asked of the model it stands in for
    const s02 = await probe(path.join(out, report.shots[1].file));
    assert.ok(s02.durationSeconds >= 1.5);

    // status reads the same folder
    const status = memoryIO(dir);
    assert.equal(await main(['status', out, '--json'], status.io), 0);
    const state = JSON.parse(status.stdout());
    assert.equal(state.run.state, 'finished');
    assert.deepEqual(
      state.jobs.map((j: { state: string }) => j.state),
      ['done', 'done', 'done'],
    );
    assert.equal(state.left.jobs, 0);

    // running again resumes: nothing is rendered again, the cut is the same length
    const again = memoryIO(dir);
    assert.equal(await main(['run', FIXTURE, '--preview', '--out', out, '--json'], again.io), 0);
    const text = again.stdout().trim().split('\n');
    const lines = text.map((l) => JSON.parse(l));
    assert.equal(lines[0].type, 'plan');
    // the plan's line is written in chunks: still JSON.stringify's text, and plan --json's plan
    assert.equal(text[0], JSON.stringify(lines[0]));
    const planned = memoryIO(dir);
    assert.equal(await main(['plan', FIXTURE, '--json'], planned.io), 0);
    assert.deepEqual(lines[0].plan, JSON.parse(planned.stdout()));
    assert.equal(lines.at(-1).type, 'report');
    assert.equal(lines.filter((e) => e.type === 'job').length, 0, 'no job changed state');
  });

  test('status names the folder it expected when there is no run', async () => {
    const t = memoryIO(dir);
    assert.equal(await main(['status', path.join(dir, 'nothing-here')], t.io), 64);
    assert.match(t.stderr(), /no run in .*nothing-here/);
  });

  test('without a terminal and without --yes, run refuses to spend', async () => {
    const { askToSpend } = await import('../../src/cli/commands/run.ts');
    const t = memoryIO(dir);
    await assert.rejects(askToSpend(t.io, 2.5), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'usage');
      assert.match(error.message, /up to \$2\.50 .*add --yes/);
      return true;
    });
  });

  test('on a terminal, run asks before spending and stops on no', async () => {
    const { askToSpend } = await import('../../src/cli/commands/run.ts');
    const t = memoryIO(dir, { tty: true });
    const asked = askToSpend(t.io, 3);
    (t.io.stdin as PassThrough).write('n\n');
    await assert.rejects(asked, /declined/);
    assert.match(t.stderr(), /Spend up to \$3\.00 on generation\? \[y\/N\]/);
    const yes = memoryIO(dir, { tty: true });
    const approved = askToSpend(yes.io, 3);
    (yes.io.stdin as PassThrough).write('y\n');
    await approved;
  });
});

const ESC = '\u001b';

describe('run progress view', () => {
  const event = (key: string, state: string) => ({
    type: 'job' as const,
    at: '2026-11-26T10:00:00.000Z',
    runId: 'r',
    jobId: key,
    key: `${key}#0`,
    shotIds: [key],
    take: 0,
    state: state as 'running',
    model: 'veo-3.1',
    provider: 'vertex',
    attempts: 1,
  });

  test('on a terminal: redraws in place with spend against the budget and the shots in flight', async () => {
    const { progressView } = await import('../../src/cli/commands/run-view.ts');
    const t = memoryIO(dir, { tty: true });
    const view = progressView(t.io, 'live', { total: 3, done: 1 });
    view.handle(event('s1', 'running'));
    view.handle({
      type: 'spend',
      at: '',
      runId: 'r',
      reservedUsd: 1.5,
      spentUsd: 2,
      budgetUsd: 10,
    });
    view.close();
    view.handle(event('s1', 'done'));
    view.close();
    const out = t.stdout();
    assert.match(
      out,
      /spent \$2\.00 of \$10\.00 \(\+\$1\.50 reserved\) · done 1\/3 · in flight 1 · failed 0/,
    );
    assert.match(out, /s1 running veo-3\.1 \(vertex\)/);
    // the second drawing goes back over the first (two lines up) and clears it
    const redraw = `${ESC}[2F${ESC}[Jspent $2.00 of $10.00 (+$1.50 reserved) · done 2/3`;
    assert.ok(out.includes(redraw), JSON.stringify(out));
  });

  test('without a terminal: one line per change; with --json: one event per line', async () => {
    const { progressView } = await import('../../src/cli/commands/run-view.ts');
    const lines = memoryIO(dir);
    progressView(lines.io, 'lines', { total: 1, done: 0 }).handle(event('s9', 'downloading'));
    assert.equal(lines.stdout(), '10:00:00 s9 downloading veo-3.1 (vertex)\n');
    // a shot its group's generation made: not a call of its own model
    const skipped = memoryIO(dir);
    progressView(skipped.io, 'lines', { total: 1, done: 0 }).handle({
      ...event('s4', 'skipped'),
      reason: 'the group generation made this shot',
    });
    assert.equal(skipped.stdout(), '10:00:00 s4 skipped: the group generation made this shot\n');
    const steps = memoryIO(dir);
    const view = progressView(steps.io, 'lines', { total: 1, done: 0 });
    const at = '2026-01-01T10:00:01.000Z';
    view.handle({ type: 'assembly', at, runId: 'r', step: 'conform', shotId: 's9', take: 1 });
    view.handle({ type: 'assembly', at, runId: 'r', step: 'join', clips: 3 });
    assert.equal(
      steps.stdout(),
      '10:00:01 s9 take 2 conforming\n10:00:01 joining 3 clips into the cut\n',
    );
    const json = memoryIO(dir);
    progressView(json.io, 'json', { total: 1, done: 0 }).handle(event('s9', 'done'));
    assert.equal(JSON.parse(json.stdout()).state, 'done');
  });
});
