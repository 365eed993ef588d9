/**
 * End to end: `run --preview` leaves the cut, the three timelines and both reports; `pick`
 * changes the take in the cut and assembles again without generating anything.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { CommandIO } from '../../src/cli/command.ts';
import { main } from '../../src/cli/main.ts';
import { probe } from '../../src/media/index.ts';
import { openStore } from '../../src/store/store.ts';
import {
  provenanceOf,
  readEdl,
  readFcpxml,
  readOtio,
  timelineToClips,
} from '../../src/timeline/index.ts';

const STORYBOARD = `version: 1
title: Tiny delivery
as_of: 2026-11-26
deliver: { resolution: 160x90, fps: 24, loudness: -14 }
budget_usd: 5
shots:
  - { id: s01, prompt: a harbour at dawn, duration: 1, tags: [establishing], audio: { ambient: gulls } }
  - { id: s02, prompt: a kite over the beach, duration: 1, takes: 2, tags: [b-roll] }
  - { id: s03, prompt: montage one, duration: 1, sequence: m, tags: [product] }
  - { id: s04, prompt: montage two, duration: 1, sequence: m, tags: [product] }
`;

function memoryIO(cwd: string) {
  const out: string[] = [];
  const err: string[] = [];
  const stream = (sink: string[]) => {
    const s = Object.assign(new PassThrough(), { isTTY: false, columns: 100 });
    s.on('data', (chunk) => sink.push(String(chunk)));
    return s;
  };
  const io: CommandIO = {
    stdout: stream(out),
    stderr: stream(err),
    stdin: Object.assign(new PassThrough(), { isTTY: false }),
    env: {},
    cwd,
    signal: new AbortController().signal,
  };
  return { io, stdout: () => out.join(''), stderr: () => err.join('') };
}

let root: string;
let out: string;
before(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'shotrouter-pick-'));
  fs.writeFileSync(path.join(root, 'film.yaml'), STORYBOARD);
  out = path.join(root, 'out');
});
after(() => fs.rmSync(root, { recursive: true, force: true }));

async function attemptsInStore(): Promise<number> {
  const store = await openStore({ dir: out });
  try {
    const run = await store.latestRun();
    let total = 0;
    for (const job of await store.jobs(run!.id)) total += (await store.attempts(job.id)).length;
    return total;
  } finally {
    await store.close();
  }
}

describe('run --preview, then pick', () => {
  test('run --preview leaves final.mp4, three timelines, report.json and report.html', async () => {
    const t = memoryIO(root);
    assert.equal(
      await main(['run', 'film.yaml', '--preview', '--out', 'out'], t.io),
      0,
      t.stderr(),
    );
    for (const file of [
      'final.mp4',
      'timeline.otio',
      'timeline.fcpxml',
      'timeline.edl',
      'report.json',
      'report.html',
    ]) {
      assert.ok(fs.existsSync(path.join(out, file)), file);
    }
    const final = await probe(path.join(out, 'final.mp4'));
    assert.equal(final.width, 160);
    assert.ok(Math.abs(final.durationSeconds - 4) < 1 / 24);

    // the three timelines open the same edit
    const text = (f: string) => fs.readFileSync(path.join(out, f), 'utf8');
    const cuts = [
      readOtio(text('timeline.otio')),
      readFcpxml(text('timeline.fcpxml')),
      readEdl(text('timeline.edl'), 24),
    ].map((timeline) =>
      timelineToClips(timeline).map((c) => [
        provenanceOf(c)?.shot_id,
        provenanceOf(c)?.take,
        path.basename(c.file ?? ''),
        Math.round(c.recordStart * 24),
        Math.round(c.duration * 24),
      ]),
    );
    assert.deepEqual(cuts[1], cuts[0]);
    assert.deepEqual(cuts[2], cuts[0]);
    assert.deepEqual(
      cuts[0]!.map((c) => c[0]),
      ['s01', 's02', 's03', 's04'],
    );

    const html = text('report.html');
    assert.doesNotMatch(html, /https?:\/\//);
    assert.match(html, /<svg /);
    for (const id of ['s01', 's02', 's03', 's04']) assert.ok(html.includes(`<b>${id}</b>`), id);
    assert.equal(html.match(/src="data:image\/jpeg;base64,/g)?.length, 4);

    const report = JSON.parse(text('report.json'));
    assert.equal(report.shots[1].take, 1);
    assert.deepEqual(report.files, {
      report_html: 'report.html',
      otio: 'timeline.otio',
      fcpxml: 'timeline.fcpxml',
      edl: 'timeline.edl',
    });
  });

  test('pick s02 2 puts take 2 in the cut and the timelines, with no new generation', async () => {
    const attempts = await attemptsInStore();
    const before = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'));
    const t = memoryIO(root);
    assert.equal(await main(['pick', 's02', '2', 'out'], t.io), 0, t.stderr());
    assert.match(t.stdout(), /s02: the cut uses take 2 \(ltx-2 via fal\)/);
    assert.match(t.stdout(), /assembled again without generating anything/);
    assert.equal(await attemptsInStore(), attempts);

    const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'));
    assert.equal(report.shots[1].take, 2);
    assert.equal(report.shots[1].picked, true);
    assert.notEqual(report.shots[1].clip, before.shots[1].clip);
    assert.equal(report.shots[0].clip, before.shots[0].clip, 'the other shots are untouched');
    const otio = readOtio(fs.readFileSync(path.join(out, 'timeline.otio'), 'utf8'));
    const s02 = otio.tracks[0]!.items[1]!;
    assert.equal(provenanceOf(s02)?.take, 2);
    assert.deepEqual(
      s02.alternates?.map((a) => provenanceOf(a)?.take),
      [1],
    );
  });

  test('an edit that leaves the clips as they are does not stop pick from assembling', async () => {
    fs.appendFileSync(path.join(root, 'film.yaml'), '# a note added after the run\n');
    const t = memoryIO(root);
    assert.equal(await main(['pick', 's02', '1', 'out'], t.io), 0, t.stderr());
    assert.match(t.stdout(), /assembled again without generating anything/);
    const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'));
    assert.equal(report.shots[1].take, 1);
  });

  test('after an edit that remakes a shot, pick is kept for the next run but assembles nothing', async () => {
    const file = path.join(root, 'film.yaml');
    fs.writeFileSync(
      file,
      fs.readFileSync(file, 'utf8').replace('a harbour at dawn', 'a harbour at dusk'),
    );
    const t = memoryIO(root);
    assert.equal(await main(['pick', 's02', '2', 'out'], t.io), 0, t.stderr());
    assert.match(
      t.stdout(),
      /the storyboard changed since this run, so the cut was not assembled again/,
    );
    const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'));
    assert.equal(report.shots[1].take, 1, 'the cut on disk is unchanged');

    // the next run remakes s01 only, reuses both takes of s02, and the cut uses the pick
    const again = memoryIO(root);
    assert.equal(await main(['run', 'film.yaml', '--preview', '--out', 'out'], again.io), 0);
    const rerun = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'));
    assert.equal(rerun.shots[0].cached, false);
    assert.equal(rerun.shots[1].cached, true);
    assert.equal(rerun.shots[1].take, 2);
    assert.equal(rerun.shots[1].picked, true);
  });

  test('pick refuses a take that does not exist, and a folder without a run', async () => {
    const t = memoryIO(root);
    assert.equal(await main(['pick', 's02', '3', 'out'], t.io), 64);
    assert.match(t.stderr(), /take must be a whole number from 1 to 2 \(s02 has takes 1, 2\)/);
    const u = memoryIO(root);
    assert.equal(await main(['pick', 's02', 'two', 'out'], u.io), 64);
    const v = memoryIO(root);
    assert.equal(await main(['pick', 's02', '1', 'nowhere'], v.io), 64);
    assert.match(v.stderr(), /no run in/);
  });
});
