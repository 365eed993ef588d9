/**
 * `shotrouter import-edit` round trip with real ffmpeg: preview-run a storyboard, export, edit
 * the exported timeline as an editor would (reorder, trim, drop, restore, use a clip twice),
 * import it, and the new cut matches the edit frame for frame (ffprobe frame counts of the cut
 * and of each trimmed piece, the report's cut, the timelines written again), with zero
 * generations and the storyboard's comments kept. EDL, then OTIO, then FCPXML on the same run.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { main } from '../../src/cli/main.ts';
import { probe } from '../../src/media/index.ts';
import { openStore } from '../../src/store/store.ts';
import {
  frameRateOf,
  framesToTimecode,
  type ReadTimeline,
  readEdl,
  readFcpxml,
  readOtio,
  timelineToClips,
} from '../../src/timeline/index.ts';
import { memoryIO } from '../cli/memory-io.ts';

const FPS = 24;
const RATE = frameRateOf(FPS);
const BOARD = `# the harbour film: a comment the import must keep
version: 1
title: Edit round trip
as_of: 2026-11-26
deliver: { resolution: 160x90, fps: 24, audio: false }
budget_usd: 5
shots:
  # the opening
  - id: a
    prompt: A harbour at dawn
    duration: 2
    tags: [establishing]
  - id: b # the kite
    prompt: A kite over the beach
    duration: 2
    tags: [b-roll]
  - id: c
    prompt: The kite falls into the sand
    duration: 1.5
    tags: [b-roll]
# the end
`;

let root: string;
let out: string;
before(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'shotrouter-import-edit-'));
  out = path.join(root, 'out');
  fs.writeFileSync(path.join(root, 'film.yaml'), BOARD);
});
after(() => fs.rmSync(root, { recursive: true, force: true }));

/** The edit as the person made it: each piece's shot, source in and length, in frames. */
interface Piece {
  id: string;
  in: number;
  frames: number;
}

async function cli(args: string[]) {
  const t = memoryIO(root);
  const code = await main(args, t.io);
  return { code, stdout: t.stdout(), stderr: t.stderr() };
}

async function generations(): Promise<{ jobs: number; media: string[] }> {
  const store = await openStore({ dir: out });
  try {
    const run = await store.latestRun();
    const jobs = (await store.jobs(run!.id)).length;
    return { jobs, media: fs.readdirSync(path.join(out, 'media')).sort() };
  } finally {
    await store.close();
  }
}

const frames = (seconds: number) => Math.round(seconds * FPS);

/** The clips of a timeline as pieces (shot id by name; reuse names `x (from y)` → x). */
function piecesOf(timeline: ReadTimeline): Piece[] {
  return timelineToClips(timeline).map((c) => ({
    id: (c.name ?? '').split(' ')[0]!,
    in: frames(c.sourceStart),
    frames: frames(c.duration),
  }));
}

/** Imports `file`, then checks the cut against `edit`, frame for frame, and that nothing was made. */
async function importAndCheck(file: string, edit: Piece[]) {
  const made = await generations();
  const piecesBefore = new Set(fs.readdirSync(path.join(out, 'conformed')));
  const imported = await cli(['import-edit', file, 'out', '--yes']);
  assert.equal(imported.code, 0, imported.stderr + imported.stdout);
  assert.match(imported.stdout, /assembled again without generating anything/);
  assert.deepEqual(await generations(), made, 'nothing generated');

  const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'));
  assert.deepEqual(
    report.edit.cut.map((e: { id: string; in: number; seconds: number }) => ({
      id: e.id,
      in: frames(e.in),
      frames: frames(e.seconds),
    })),
    edit,
  );
  const total = edit.reduce((n, p) => n + p.frames, 0);
  const cut = await probe(path.join(out, 'final.mp4'));
  assert.equal(cut.frames, total, 'the cut has the edit’s frames');
  // each piece rendered for this edit is as long as the edit made it
  const newPieces = fs
    .readdirSync(path.join(out, 'conformed'))
    .filter((f) => !piecesBefore.has(f) && /-edit-/.test(f));
  for (const piece of newPieces) {
    const info = await probe(path.join(out, 'conformed', piece));
    const id = piece.split('-edit-')[0]!;
    assert.ok(
      edit.some((p) => p.id === id && p.frames === info.frames),
      `${piece}: ${info.frames} frames, the edit has ${JSON.stringify(edit.filter((p) => p.id === id))}`,
    );
  }
  // the timelines written again show the same edit in every format
  const written = {
    edl: piecesOf(readEdl(fs.readFileSync(path.join(out, 'timeline.edl'), 'utf8'), FPS)),
    otio: piecesOf(readOtio(fs.readFileSync(path.join(out, 'timeline.otio'), 'utf8'))),
    fcpxml: piecesOf(readFcpxml(fs.readFileSync(path.join(out, 'timeline.fcpxml'), 'utf8'))),
  };
  for (const [format, pieces] of Object.entries(written)) {
    assert.deepEqual(pieces, edit, `${format} written again`);
  }
  const board = fs.readFileSync(path.join(root, 'film.yaml'), 'utf8');
  for (const comment of ['# the harbour film', '# the opening', '# the kite', '# the end']) {
    assert.ok(board.includes(comment), `${comment} kept:\n${board}`);
  }
  return { board, stdout: imported.stdout };
}

/** An EDL of `edit` as an editing program writes one: events, clip names, source files. */
function edl(edit: Piece[], media: Map<string, string>, keepProvenanceOf: string[]): string {
  const lines = ['TITLE: edited', 'FCM: NON-DROP FRAME'];
  let record = 3600 * FPS;
  for (const [k, p] of edit.entries()) {
    const tc = (n: number) => framesToTimecode(n, RATE);
    lines.push(
      `${String(k + 1).padStart(3, '0')}  AX       V     C        ${tc(p.in)} ${tc(p.in + p.frames)} ${tc(record)} ${tc(record + p.frames)}`,
      `* FROM CLIP NAME: ${p.id}`,
      `* SOURCE FILE: ${media.get(p.id)}`,
    );
    if (keepProvenanceOf.includes(p.id)) lines.push(`* COMMENT: SHOTROUTER SHOT_ID ${p.id}`);
    record += p.frames;
  }
  return `${lines.join('\n')}\n`;
}

describe('import-edit: the edit comes back frame for frame, with nothing generated', () => {
  test('preview run, then EDL, OTIO and FCPXML edits in turn', async () => {
    const ran = await cli(['run', 'film.yaml', '--preview', '--out', 'out']);
    assert.equal(ran.code, 0, ran.stderr);
    const exported = readEdl(fs.readFileSync(path.join(out, 'timeline.edl'), 'utf8'), FPS);
    const media = new Map(timelineToClips(exported).map((c) => [c.name!, c.file!]));
    assert.deepEqual(piecesOf(exported), [
      { id: 'a', in: 0, frames: 48 },
      { id: 'b', in: 0, frames: 48 },
      { id: 'c', in: 0, frames: 36 },
    ]);

    // 1. EDL (no frame-rate comment: the run's 24 fps): c first, b trimmed, a dropped; the
    //    editor's program kept no metadata for b (its clip name and media file say which it is)
    const edit1 = [
      { id: 'c', in: 0, frames: 36 },
      { id: 'b', in: 6, frames: 30 },
    ];
    fs.writeFileSync(path.join(root, 'edit1.edl'), edl(edit1, media, ['c']));
    const first = await importAndCheck('edit1.edl', edit1);
    assert.match(first.stdout, /order: a b c → c b/);
    assert.match(first.stdout, /a: dropped from the cut/);
    assert.match(first.stdout, /b: trim 0\.25 s to 1\.5 s of its 2 s clip/);
    assert.match(first.board, /- id: a\n(.*\n)*?\s+omit: true/);
    assert.match(first.board, /trim: \{ ?in: 0\.25, out: 1\.5 ?\}/);

    // importing the same edit again changes nothing
    const again = await cli(['import-edit', 'edit1.edl', 'out', '--yes']);
    assert.match(again.stdout, /nothing to change/);

    // 2. OTIO, edited from the timeline the import wrote: a back in first (trimmed, dragged in
    //    from the media: no metadata), b whole, c shortened
    const otio = JSON.parse(fs.readFileSync(path.join(out, 'timeline.otio'), 'utf8'));
    const video = otio.tracks.children.find((t: { kind: string }) => t.kind === 'Video');
    const [clipC, clipB] = video.children;
    const range = (start: number, duration: number) => ({
      OTIO_SCHEMA: 'TimeRange.1',
      start_time: { OTIO_SCHEMA: 'RationalTime.1', rate: FPS, value: start },
      duration: { OTIO_SCHEMA: 'RationalTime.1', rate: FPS, value: duration },
    });
    const clipA = structuredClone(clipC);
    clipA.name = 'a';
    clipA.metadata = {};
    clipA.media_references = {
      DEFAULT_MEDIA: {
        OTIO_SCHEMA: 'ExternalReference.1',
        metadata: {},
        name: path.basename(media.get('a')!),
        available_range: range(0, 48),
        target_url: media.get('a'),
      },
    };
    clipA.source_range = range(3, 18);
    clipB.source_range = range(0, 48);
    clipC.source_range = range(0, 12);
    video.children = [clipA, clipB, clipC];
    fs.writeFileSync(path.join(root, 'edit2.otio'), JSON.stringify(otio));
    const edit2 = [
      { id: 'a', in: 3, frames: 18 },
      { id: 'b', in: 0, frames: 48 },
      { id: 'c', in: 0, frames: 12 },
    ];
    const second = await importAndCheck('edit2.otio', edit2);
    assert.match(second.stdout, /a: back in the cut/);
    assert.doesNotMatch(second.board, /omit: true/);

    // 3. FCPXML: b first, then a, then b again (a second use of its clip: a reuse shot), c dropped
    let fcpxml = fs.readFileSync(path.join(out, 'timeline.fcpxml'), 'utf8');
    const clips = [...fcpxml.matchAll(/<asset-clip [\s\S]*?<\/asset-clip>/g)].map((m) => m[0]);
    const byName = new Map(clips.map((c) => [/ name="([^"]+)"/.exec(c)![1]!, c]));
    const place = (clip: string, at: number, start: number, length: number) =>
      clip
        .replace(/ offset="[^"]*"/, ` offset="${3600 * FPS + at}/${FPS}s"`)
        .replace(/ start="[^"]*"/, ` start="${start}/${FPS}s"`)
        .replace(/ duration="[^"]*"/, ` duration="${length}/${FPS}s"`);
    const spine = [
      place(byName.get('b')!, 0, 12, 24),
      place(byName.get('a')!, 24, 3, 18),
      place(byName.get('b')!, 42, 0, 6),
    ].join('\n');
    fcpxml = fcpxml.replace(/<spine>[\s\S]*<\/spine>/, `<spine>\n${spine}\n</spine>`);
    fs.writeFileSync(path.join(root, 'edit3.fcpxml'), fcpxml);
    const edit3 = [
      { id: 'b', in: 12, frames: 24 },
      { id: 'a', in: 3, frames: 18 },
      { id: 'b-2', in: 0, frames: 6 },
    ];
    const third = await importAndCheck('edit3.fcpxml', edit3);
    assert.match(third.stdout, /b-2: new reuse shot, 0\.25 s of b's clip from 0 s/);
    assert.match(third.stdout, /c: dropped from the cut/);
    assert.match(third.board, /- id: b-2\n\s+reuse: \{ ?shot: b, in: 0 ?\}\n\s+duration: 0\.25/);
  });

  test('a trim past the clip’s media is flagged with its estimate, and kept to the clip', async () => {
    const exported = readEdl(fs.readFileSync(path.join(out, 'timeline.edl'), 'utf8'), FPS);
    const media = new Map(timelineToClips(exported).map((c) => [c.name!, c.file!]));
    // c is 1.5 s (36 frames); the editor asks for 48
    fs.writeFileSync(
      path.join(root, 'long.edl'),
      edl(
        [
          { id: 'a', in: 0, frames: 48 },
          { id: 'c', in: 0, frames: 48 },
        ],
        media,
        [],
      ),
    );
    const t = await cli(['import-edit', 'long.edl', 'out', '--json']);
    // no terminal and no --yes: nothing written, and it says what to do
    assert.equal(t.code, 64, t.stdout);
    assert.match(t.stderr, /no terminal to confirm .*--yes.*nothing was written/);
    const done = await cli(['import-edit', 'long.edl', 'out', '--yes', '--json']);
    assert.equal(done.code, 0, done.stderr);
    const result = JSON.parse(done.stdout);
    assert.equal(result.written, true);
    assert.equal(result.regenerate.length, 1);
    assert.equal(result.regenerate[0].shot, 'c');
    assert.equal(result.regenerate[0].needs, 2);
    assert.equal(result.regenerate[0].has, 1.5);
    assert.equal(typeof result.regenerate[0].estimate_usd, 'number');
    assert.ok(result.regenerate[0].estimate_usd > 0);
    const cut = await probe(path.join(out, 'final.mp4'));
    assert.equal(cut.frames, 48 + 36, 'c plays as long as its clip');
  });

  test('an edit of a package’s timeline comes back too (its media named by shot and take)', async () => {
    const packed = await cli(['package', 'out', '--out', 'pkg']);
    assert.equal(packed.code, 0, packed.stderr);
    const otio = JSON.parse(fs.readFileSync(path.join(root, 'pkg/timeline.otio'), 'utf8'));
    const video = otio.tracks.children.find((t: { kind: string }) => t.kind === 'Video');
    for (const clip of video.children) clip.metadata = {}; // an editor that keeps no metadata
    video.children = video.children.filter((c: { name: string }) => c.name !== 'c');
    fs.writeFileSync(path.join(root, 'pkg/edited.otio'), JSON.stringify(otio));
    const kept = piecesOf(readOtio(JSON.stringify(otio)));
    assert.ok(kept.length >= 1);
    await importAndCheck('pkg/edited.otio', kept);
  });

  test('at a terminal the person is asked, and a no writes nothing', async () => {
    const board = fs.readFileSync(path.join(root, 'film.yaml'), 'utf8');
    const t = memoryIO(root, { tty: true });
    (t.io.stdin as unknown as NodeJS.WritableStream).write('n\n');
    assert.equal(await main(['import-edit', 'edit2.otio', 'out'], t.io), 0, t.stderr());
    assert.match(t.stdout(), /changes film\.yaml:/);
    assert.match(t.stderr(), /Write these to the storyboard and assemble the cut again\? \[y\/N\]/);
    assert.match(t.stdout(), /nothing written/);
    assert.equal(fs.readFileSync(path.join(root, 'film.yaml'), 'utf8'), board);
  });

  test('a file that is not a timeline of this run is refused with where and what', async () => {
    const t = await cli(['import-edit', 'film.yaml', 'out', '--yes']);
    assert.equal(t.code, 64);
    assert.match(t.stderr, /\.otio, \.fcpxml or \.edl/);
    const samples = path.resolve(import.meta.dirname, '../fixtures/timeline/edl/25fps.edl');
    const foreign = await cli(['import-edit', samples, 'out', '--yes', '--fps', '25']);
    assert.equal(foreign.code, 64);
    assert.match(
      foreign.stderr,
      /the clip 'sq001_s001' at 0\.000 s of the edit is not one of this run's shots/,
    );
  });
});

describe('import-edit: a multi-shot group moved apart', () => {
  test('is cut apart into reuse pieces, frame for frame, with nothing generated', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shotrouter-import-group-'));
    try {
      // the preview plan makes a and b in one multi-shot generation (sequence h)
      fs.writeFileSync(
        path.join(dir, 'g.yaml'),
        `version: 1
title: Group
as_of: 2026-11-26
deliver: { resolution: 160x90, fps: 24, audio: false }
budget_usd: 20
shots:
  - { id: a, prompt: A harbour at dawn, duration: 2, sequence: h }
  - { id: b, prompt: Gulls over the water, duration: 2, sequence: h } # the gulls
  - { id: c, prompt: A kite, duration: 1, tags: [b-roll] }
`,
      );
      const io = () => memoryIO(dir);
      const ran = io();
      assert.equal(
        await main(['run', 'g.yaml', '--preview', '--out', 'run'], ran.io),
        0,
        ran.stderr(),
      );
      const plan = JSON.parse(fs.readFileSync(path.join(dir, 'run/report.json'), 'utf8'));
      assert.ok(plan.shots.length === 3);
      const store = await openStore({ dir: path.join(dir, 'run') });
      const latest = await store.latestRun();
      const stored = JSON.parse(latest!.plan_json) as {
        shots: { id: string; group: string | null }[];
      };
      const jobs = (await store.jobs(latest!.id)).length;
      await store.close();
      assert.equal(
        stored.shots.find((s) => s.id === 'a')?.group,
        stored.shots.find((s) => s.id === 'b')?.group,
      );
      assert.notEqual(
        stored.shots.find((s) => s.id === 'a')?.group,
        null,
        'a and b are one generation',
      );

      fs.writeFileSync(
        path.join(dir, 'e.edl'),
        `TITLE: e
FCM: NON-DROP FRAME
001  AX       V     C        00:00:00:00 00:00:02:00 01:00:00:00 01:00:02:00
* FROM CLIP NAME: a
002  AX       V     C        00:00:00:00 00:00:01:00 01:00:02:00 01:00:03:00
* FROM CLIP NAME: c
003  AX       V     C        00:00:00:12 00:00:02:00 01:00:03:00 01:00:04:12
* FROM CLIP NAME: b
`,
      );
      const media = fs.readdirSync(path.join(dir, 'run/media')).sort();
      const imported = io();
      assert.equal(
        await main(['import-edit', 'e.edl', 'run', '--yes'], imported.io),
        0,
        imported.stderr(),
      );
      assert.match(imported.stdout(), /multi-shot group apart/);
      assert.deepEqual(fs.readdirSync(path.join(dir, 'run/media')).sort(), media);
      const after = await openStore({ dir: path.join(dir, 'run') });
      assert.equal((await after.jobs((await after.latestRun())!.id)).length, jobs, 'no job added');
      await after.close();
      const board = fs.readFileSync(path.join(dir, 'g.yaml'), 'utf8');
      assert.match(board, /- \{ id: a, .*sequence: h, omit: true \}/);
      assert.match(board, /- \{ id: b, .*omit: true \} # the gulls/);
      assert.match(
        board,
        /- \{ id: c, prompt: A kite, duration: 1, tags: \[b-roll\] \}/,
        'untouched line as written',
      );
      const report = JSON.parse(fs.readFileSync(path.join(dir, 'run/report.json'), 'utf8'));
      assert.deepEqual(
        report.edit.cut.map((e: { id: string; source: string; in: number; seconds: number }) => [
          e.source,
          frames(e.in),
          frames(e.seconds),
        ]),
        [
          ['a', 0, 48],
          ['c', 0, 24],
          ['b', 12, 36],
        ],
      );
      assert.equal((await probe(path.join(dir, 'run/final.mp4'))).frames, 48 + 24 + 36);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
