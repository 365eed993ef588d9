/**
 * Reading an edited timeline and turning it into edit-only fields, without a run: the vendored
 * OpenTimelineIO, FCPXML and CMX3600 samples parse (an EDL with and without a frame-rate
 * comment), a multi-shot group moved apart stays together as omitted shots played by reuse
 * pieces, and the storyboard rewrite keeps YAML comments and writes JSON as JSON.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  type EditedTimeline,
  edlFrameRateComment,
  importEdit,
  readEditedTimeline,
} from '../../src/assemble/edit-import.ts';
import { parseStoryboard } from '../../src/storyboard/load.ts';
import { rewriteShots } from '../../src/storyboard/rewrite.ts';
import { groupOf, planned, planOf } from './harness.ts';

const SAMPLES = fileURLToPath(new URL('../fixtures/timeline/', import.meta.url));
const sample = (format: string, name: string) => {
  const file = path.join(SAMPLES, format, name);
  return { file, text: fs.readFileSync(file, 'utf8') };
};

describe('the vendored samples parse as edits', () => {
  test('OpenTimelineIO and FCPXML samples give their clips in order', () => {
    for (const [format, name, clips, first] of [
      ['otio', 'simple_cut.otio', 4, 'Clip-001'],
      ['otio', 'transition.otio', 4, 'Clip-001'],
      ['otio', 'premiere_example.otio', 1, 'sc01_sh010_anim.mov'],
      ['fcpxml', 'fcpx_example.fcpxml', 6, 'IMG_0715'],
      ['fcpxml', 'fcpx_clips.fcpxml', 3, 'IMG_0233'],
    ] as const) {
      const { file, text } = sample(format, name);
      const edit = readEditedTimeline(file, text);
      assert.equal(edit.format, format);
      assert.equal(edit.clips.length, clips, name);
      assert.equal(edit.clips[0]!.name, first, name);
      for (const [k, clip] of edit.clips.entries()) {
        assert.ok(clip.seconds > 0, `${name} clip ${k}`);
        if (k > 0) assert.ok(clip.at >= edit.clips[k - 1]!.at, `${name}: in playing order`);
      }
    }
  });

  test('a CMX3600 EDL reads at the rate a comment states, else at the rate given', () => {
    const { file, text } = sample('edl', '25fps.edl');
    assert.equal(edlFrameRateComment(text), undefined);
    // 25 fps timecodes (frame 24 exists only at 25): without a rate this EDL is misread or refused
    assert.throws(() => readEditedTimeline(file, text, 24), /not a timeline shotrouter can read/);
    const given = readEditedTimeline(file, text, 25);
    assert.equal(given.fps, 25);
    const commented = `* FRAME RATE: 25\n${text}`;
    assert.equal(edlFrameRateComment(commented), 25);
    const stated = readEditedTimeline(file, commented, 24);
    assert.equal(stated.fps, 25);
    assert.deepEqual(stated.clips, given.clips);
    assert.equal(stated.clips[0]!.name, 'sq001_s001');
    assert.equal(stated.clips[0]!.seconds, 6 + 11 / 25);
    assert.equal(edlFrameRateComment('* FPS: 23.976\n'), 23.976);
  });

  test('the other EDL samples parse (dissolves lengthen both pieces)', () => {
    for (const name of ['dissolve_test.edl', 'gap_test.edl', 'avid_example.edl']) {
      const { file, text } = sample('edl', name);
      assert.ok(readEditedTimeline(file, text, 24).clips.length > 0, name);
    }
    const { file, text } = sample('edl', 'gap_test.edl');
    assert.ok(readEditedTimeline(file, text, 24).gaps > 0);
  });

  test('a file of another kind is refused by name', () => {
    assert.throws(
      () => readEditedTimeline('cut.xml', '<xml/>'),
      /cut\.xml: import-edit reads \.otio, \.fcpxml or \.edl/,
    );
  });
});

const BOARD = `version: 1
title: Groups
deliver: { resolution: 160x90, fps: 24, audio: false }
shots:
  # one sequence: made together
  - id: a
    prompt: A harbour at dawn
    duration: 2
    sequence: harbour
    transition: fade # fades in
  - id: b
    prompt: Gulls over the water
    duration: 2
    sequence: harbour
  - id: c # alone
    prompt: A kite
    duration: 1
`;

const clip = (name: string, at: number, start: number, seconds: number) => ({
  name,
  file: null,
  shot: null,
  take: null,
  in: start,
  seconds,
  at,
});

describe('turning an edit into edit-only fields', () => {
  const storyboard = parseStoryboard(BOARD, '/tmp/groups.yaml');
  const plan = planOf('Groups', [
    ...groupOf('g1', { seconds: 4 }, [
      { id: 'a', seconds: 2 },
      { id: 'b', seconds: 2 },
    ]),
    planned('c', { seconds: 1 }),
  ]);

  test('a reorder that splits a multi-shot group cuts it apart into reuse pieces', () => {
    const edit: EditedTimeline = {
      format: 'edl',
      fps: 24,
      gaps: 0,
      clips: [clip('a', 0, 0, 2), clip('c', 2, 0, 1), clip('b', 3, 0.5, 1.5)],
    };
    const result = importEdit(storyboard, plan, edit);
    assert.deepEqual(
      result.items.map((i) =>
        i.kind === 'shot'
          ? `${i.id}${i.omit ? ' omitted' : ''}`
          : `${i.id} ← ${i.shot} ${i.in}+${i.duration}`,
      ),
      ['a omitted', 'b omitted', 'a-2 ← a 0+2', 'c', 'b-2 ← b 0.5+1.5'],
    );
    const text = rewriteShots(BOARD, '/tmp/groups.yaml', result.items);
    // the group stays side by side; the pieces play in the edit's order; fields and comments kept
    const again = parseStoryboard(text, '/tmp/groups.yaml');
    assert.deepEqual(
      again.shots.map((s) => [s.id, s.edit?.omit === true]),
      [
        ['a', true],
        ['b', true],
        ['c', false],
      ],
    );
    assert.deepEqual(
      (again.reuses ?? []).map((r) => [r.id, r.reuse.shot, r.reuse.in, r.duration]),
      [
        ['a-2', 'a', 0, 2],
        ['b-2', 'b', 0.5, 1.5],
      ],
    );
    assert.equal(again.reuses?.[0]?.edit.transition?.type, 'fade', 'the fade moved to the piece');
    assert.match(text, /# one sequence: made together/);
    assert.match(text, /- id: c # alone/);
    assert.match(text, /sequence: harbour/);
  });

  test('the group kept together is not cut apart, and JSON is written as JSON', () => {
    const edit: EditedTimeline = {
      format: 'otio',
      fps: 24,
      gaps: 1,
      clips: [clip('c', 0, 0, 1), clip('a', 1, 0, 2), clip('b', 3, 0, 1)],
    };
    const result = importEdit(storyboard, plan, edit);
    assert.deepEqual(
      result.items.map((i) => i.id),
      ['c', 'a', 'b'],
    );
    assert.match(result.notes.join('\n'), /1 gap in the edit closed/);
    assert.ok(
      result.changes.includes('b: trim 0 s to 1 s of its 2 s clip'),
      result.changes.join('\n'),
    );
    const json = JSON.stringify({
      version: 1,
      title: 'Groups',
      shots: [
        { id: 'a', prompt: 'x', duration: 2 },
        { id: 'b', prompt: 'y', duration: 2 },
        { id: 'c', prompt: 'z', duration: 1 },
      ],
    });
    const written = JSON.parse(rewriteShots(json, '/tmp/groups.json', result.items));
    assert.deepEqual(
      written.shots.map((s: { id: string; trim?: unknown }) => [s.id, s.trim ?? null]),
      [
        ['c', null],
        ['a', null],
        ['b', { in: 0, out: 1 }],
      ],
    );
  });

  test('a package’s media runs ahead of the shot by its handle, which the import takes off', () => {
    const edit: EditedTimeline = {
      format: 'otio',
      fps: 24,
      gaps: 0,
      clips: [
        { ...clip('renamed', 0, 0.75, 0.5), file: 'media/c-take1.mp4' },
        { ...clip('a', 0.5, 0, 2), file: 'media/a-take1.mp4' },
        { ...clip('b', 2.5, 0, 2), file: 'media/b-take1.mp4' },
      ],
    };
    const asked: string[] = [];
    const result = importEdit(storyboard, plan, edit, {
      handleBefore: (shot, take) => {
        asked.push(`${shot}#${take}`);
        return shot === 'c' ? 0.5 : 0;
      },
    });
    assert.deepEqual(asked, ['c#1', 'a#1', 'b#1']);
    const c = result.items.find((i) => i.id === 'c');
    assert.deepEqual(c?.kind === 'shot' ? c.trim : null, { in: 0.25, out: 0.75 });
  });
});
