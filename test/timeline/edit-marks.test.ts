/**
 * The storyboard's edit in the three formats: dissolves and wipes where each format has them,
 * markers for scenes, titles, captions and fades, and the same frames on every timeline.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  readEdl,
  readFcpxml,
  readOtio,
  type Timeline,
  timelineToClips,
  writeEdl,
  writeFcpxml,
  writeOtio,
} from '../../src/timeline/index.ts';
import { threeShotTimeline } from './fixtures.ts';

/** The three-shot fixture (4 s, 2.5 s, …) with a dissolve into s02, a wipe into s03, markers. */
function editedTimeline(fps: number): Timeline {
  const timeline = threeShotTimeline(fps);
  const [first, second, third] = timeline.clips;
  // a 1 s dissolve centred on the cut: 0.5 s of each side's media beyond it
  second!.transition = { kind: 'dissolve', inOffset: 0.5, outOffset: 0.5 };
  second!.sourceStart = 1;
  third!.transition = { kind: 'wipe', inOffset: 0.25, outOffset: 0.25 };
  third!.sourceStart += 0.25;
  return {
    ...timeline,
    clips: [first!, second!, third!],
    editMarkers: [
      { kind: 'scene', name: 'INT. PIER - NIGHT', at: 0, duration: 0 },
      { kind: 'title', name: 'The Pier', at: 0, duration: 4 },
      { kind: 'scene', name: 'EXT. BEACH', at: 4, duration: 0 },
      { kind: 'caption', name: 'Later', at: 4, duration: 2.5, note: 'spoken' },
    ],
  };
}

describe('the edit on the timelines', () => {
  const fps = 24;
  const timeline = editedTimeline(fps);
  const otio = writeOtio(timeline);
  const fcpxml = writeFcpxml(timeline);
  const edl = writeEdl(timeline);
  const read = { otio: readOtio(otio), fcpxml: readFcpxml(fcpxml), edl: readEdl(edl, fps) };

  test('every format places the same clips on the same frames', () => {
    const total = timeline.clips.reduce((sum, c) => sum + c.duration, 0);
    for (const [name, r] of Object.entries(read)) {
      const clips = timelineToClips(r);
      const last = clips.at(-1)!;
      // 3.2 s is not a whole number of frames: every format snaps it to the same 77
      assert.ok(Math.abs(last.recordStart + last.duration - total) < 1 / fps, `${name} length`);
      assert.equal(clips.length, 3, name);
    }
    // the EDL starts each incoming event where its transition starts, in its source too
    const edlClips = timelineToClips(read.edl);
    assert.deepEqual(
      edlClips.map((c) => [c.sourceStart, c.recordStart, c.duration]),
      [
        [0.5, 0, 3.5],
        [0.5, 3.5, 2.75],
        [timeline.clips[2]!.sourceStart - 0.25, 6.25, 77 / 24 + 0.25],
      ],
    );
  });

  test('a dissolve is a transition in all three; a wipe where the format has one', () => {
    const kinds = (r: (typeof read)[keyof typeof read]) =>
      r.tracks[0]!.items.filter((i) => i.kind === 'transition').map((i) => [
        i.transitionType,
        i.inOffset,
        i.outOffset,
      ]);
    assert.deepEqual(kinds(read.otio), [
      ['SMPTE_Dissolve', 0.5, 0.5],
      ['Custom_Transition', 0.25, 0.25],
    ]);
    assert.deepEqual(kinds(read.edl), [
      ['SMPTE_Dissolve', 0, 1],
      ['SMPTE_Wipe', 0, 0.5],
    ]);
    assert.deepEqual(kinds(read.fcpxml), [['SMPTE_Dissolve', 0.5, 0.5]]);
    assert.match(fcpxml, /<effect id="r-dissolve" name="Cross Dissolve" uid="FxPlug:/);
    assert.match(fcpxml, /<marker [^>]*value="wipe \(12 frames\)"/);
  });

  test('scenes, titles and captions are markers in each format', () => {
    const otioMarkers = (
      JSON.parse(otio) as { tracks: { children: Array<{ markers: unknown[] }> } }
    ).tracks.children[0]!.markers as Array<{ name: string; color: string; marked_range: unknown }>;
    assert.deepEqual(
      otioMarkers.map((m) => [m.name, m.color]),
      [
        ['INT. PIER - NIGHT', 'PURPLE'],
        ['The Pier', 'CYAN'],
        ['EXT. BEACH', 'PURPLE'],
        ['Later', 'YELLOW'],
      ],
    );
    const fcpMarkers = (
      read.fcpxml.tracks[0]!.items as Array<{ metadata?: Record<string, unknown> }>
    ).flatMap((i) => (i.metadata?.fcpxml as { markers?: string[] } | undefined)?.markers ?? []);
    assert.deepEqual(fcpMarkers, [
      'INT. PIER - NIGHT',
      'title: The Pier',
      'EXT. BEACH',
      'caption: Later',
      'wipe (12 frames)',
    ]);
    assert.match(edl, /^\* LOC: 01:00:00:00 PURPLE {2}SCENE: INT\. PIER - NIGHT$/m);
    assert.match(edl, /^\* LOC: 01:00:04:00 YELLOW {2}CAPTION: Later$/m);
    for (const line of edl.split('\n')) assert.ok(line.length <= 80, line);
  });
});
