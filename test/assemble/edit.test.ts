/**
 * The storyboard's edit-only fields through real preview runs (real ffmpeg): omit, reuse,
 * trim, transitions, fades, titles and captions shape the cut, its timelines, its captions and
 * its report, and editing them assembles again without generating anything. The cut is silent
 * to keep the runs quick: the pieces' sound (fades, cross-fades) is checked in
 * test/media/edit.test.ts.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { catalog, loadStoryboard, type RunProgressEvent, run } from '../../src/index.ts';
import { probe } from '../../src/media/index.ts';
import { readEdl, readFcpxml, readOtio, timelineToClips } from '../../src/timeline/index.ts';

const models = catalog();
let root: string;
before(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'shotrouter-edit-'));
});
after(() => fs.rmSync(root, { recursive: true, force: true }));

const HEAD = `version: 1
title: Edit film
as_of: 2026-11-26
deliver: { resolution: 160x90, fps: 24, audio: false }
budget_usd: 5
shots:
`;
/** Three generated shots (2 s, 2 s, 1.5 s); `extra[i]` adds fields to shot i; `tail` adds shots. */
function storyboardText(extra: string[] = [], tail = ''): string {
  const shots = [
    '  - { id: a, prompt: A harbour at dawn, duration: 2, tags: [establishing]',
    '  - { id: b, prompt: A kite over the beach, duration: 2, tags: [b-roll]',
    '  - { id: c, prompt: The kite falls into the sand, duration: 1.5, tags: [b-roll]',
  ];
  return `${HEAD}${shots.map((s, i) => `${s}${extra[i] ? `, ${extra[i]}` : ''} }\n`).join('')}${tail}`;
}

/** Runs a preview of `text` in `dir`; returns the result and how many generations started. */
async function preview(dir: string, text: string) {
  const file = path.join(dir, 'board.yaml');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(file, text);
  const storyboard = loadStoryboard(file, { catalog: models });
  const started = new Set<string>();
  const result = await run({
    storyboard,
    catalog: models,
    dir,
    preview: true,
    onEvent: (event: RunProgressEvent) => {
      if (event.type === 'job' && event.state === 'running') started.add(event.jobId);
    },
  });
  assert.equal(result.state, 'finished');
  return { result, started: started.size };
}

const read = (dir: string, file: string) => fs.readFileSync(path.join(dir, file), 'utf8');

describe('editing the cut', () => {
  test('omit, reuse, trim, dissolve, wipe, fades, title and caption', async () => {
    const dir = path.join(root, 'full');
    const { result } = await preview(
      dir,
      storyboardText(
        [
          'scene: INT. HARBOUR, transition: { type: fade, duration: 0.5 }, title: Harbour',
          'trim: { in: 0.5 }, transition: { type: dissolve, duration: 0.5 }, caption: "Wind, rising"',
          'omit: true',
        ],
        [
          '  - { id: r, reuse: { shot: c, in: 0.5 }, duration: 1, scene: EXT. BEACH,',
          '      transition: { type: wipe, duration: 0.25 }, caption: Later, fade_out: 0.5 }',
          '',
        ].join('\n'),
      ),
    );
    // a 2 + (1.5 - 0.5) + 1 (- 0.25 wipe) = 3.75 s cut
    const final = await probe(result.final!);
    assert.ok(Math.abs(final.durationSeconds - 3.75) < 0.05, `cut lasts ${final.durationSeconds}`);
    assert.equal(result.report.join, 'copy', 'the edited pieces join by stream copy');

    const edit = result.report.edit!;
    assert.deepEqual(
      edit.cut.map((e) => [e.id, e.source, e.in, e.seconds, e.start]),
      [
        ['a', 'a', 0, 2, 0],
        ['b', 'b', 0.5, 1.5, 1.5],
        ['r', 'c', 0.5, 1, 2.75],
      ],
    );
    assert.deepEqual(edit.omitted, ['c']);
    assert.deepEqual(
      edit.scenes.map((s) => [s.heading, s.start]),
      [
        ['INT. HARBOUR', 0],
        ['EXT. BEACH', 2.75],
      ],
    );
    assert.equal(result.report.shots.find((s) => s.id === 'c')?.state, 'done', 'c is generated');

    assert.equal(
      read(dir, 'captions.srt'),
      '1\n00:00:01,500 --> 00:00:03,000\nWind, rising\n\n2\n00:00:02,750 --> 00:00:03,750\nLater\n',
    );
    assert.equal(
      read(dir, 'captions.vtt'),
      'WEBVTT\n\n00:00:01.500 --> 00:00:03.000\nWind, rising\n\n00:00:02.750 --> 00:00:03.750\nLater\n',
    );
    assert.equal(result.report.files?.captions_srt, 'captions.srt');
    const html = read(dir, 'report.html');
    assert.match(html, /<h2>Scenes and edit<\/h2>/);
    assert.match(html, /<tr class="scene"><th colspan="4">EXT\. BEACH<\/th><\/tr>/);
    assert.match(html, /reuses c from/);

    // the three timelines: the same clips, a reuse as a second clip of c's media, transitions
    const otio = readOtio(read(dir, 'timeline.otio'));
    const edl = readEdl(read(dir, 'timeline.edl'), 24);
    const fcpxml = readFcpxml(read(dir, 'timeline.fcpxml'));
    for (const [name, timeline] of [
      ['otio', otio],
      ['edl', edl],
      ['fcpxml', fcpxml],
    ] as const) {
      const clips = timelineToClips(timeline);
      const total = clips.at(-1)!.recordStart + clips.at(-1)!.duration;
      assert.ok(Math.abs(total - 3.75) < 1e-6, `${name} lasts ${total}`);
      assert.equal(clips.length, 3, `${name}: omitted c is not on the timeline`);
      assert.match(String(clips[2]!.file), /c-take1-/, `${name}: r shows c's clip`);
    }
    const otioItems = otio.tracks[0]!.items;
    const transitions = otioItems.filter((i) => i.kind === 'transition');
    assert.deepEqual(
      transitions.map((t) => [t.transitionType, t.duration]),
      [
        ['SMPTE_Dissolve', 0.5],
        ['Custom_Transition', 0.25],
      ],
    );
    const reuse = otioItems.filter((i) => i.kind === 'clip')[2]!;
    assert.ok(Math.abs(reuse.sourceStart! - (0.5 + 0.125)) < 1e-6, 'r starts at 0.5 s of c');
    const edlTransitions = edl.tracks[0]!.items.filter((i) => i.kind === 'transition');
    assert.deepEqual(
      edlTransitions.map((t) => t.metadata?.cmx_3600),
      [{ transition: 'D' }, { transition: 'W001' }],
    );
    assert.equal(fcpxml.tracks[0]!.items.filter((i) => i.kind === 'transition').length, 1);
    const otioText = read(dir, 'timeline.otio');
    for (const name of ['INT. HARBOUR', 'EXT. BEACH', 'Harbour', 'Wind, rising']) {
      assert.ok(otioText.includes(`"name": "${name}"`), `an OTIO marker named ${name}`);
    }
    assert.match(read(dir, 'timeline.fcpxml'), /<marker [^>]*value="INT\. HARBOUR"/);
    assert.match(read(dir, 'timeline.edl'), /\* LOC: .* SCENE: EXT\. BEACH/);
  });

  test('editing only edit fields assembles again with zero new generations', async () => {
    const dir = path.join(root, 'again');
    const first = await preview(dir, storyboardText());
    assert.equal(first.started, 3);
    assert.equal(first.result.report.edit, undefined, 'no edit, no edit section');
    const plain = await probe(first.result.final!);
    assert.ok(Math.abs(plain.durationSeconds - 5.5) < 0.05);

    const second = await preview(
      dir,
      storyboardText(
        ['title: Opening, scene: ONE', 'transition: dissolve, caption: Hi'],
        '  - { id: d, reuse: { shot: a }, duration: 0.5, fade_out: 0.5 }\n',
      ),
    );
    assert.equal(second.started, 0, 'nothing is generated again');
    const edited = await probe(second.result.final!);
    assert.ok(Math.abs(edited.durationSeconds - 5) < 0.05, `${edited.durationSeconds}`);
  });
});
