/**
 * A take's failing checks travel to the editor as markers: OTIO `Marker.2` on the clip (in its
 * media time), FCPXML `<marker>` in the asset-clip, EDL `* LOC:` locators at record timecode.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  readEdl,
  readFcpxml,
  readOtio,
  writeEdl,
  writeFcpxml,
  writeOtio,
} from '../../src/timeline/index.ts';
import type { Timeline } from '../../src/timeline/types.ts';
import { threeShotTimeline } from './fixtures.ts';

/** The three-shot fixture at 24 fps, its second clip marked black at 1.5 s and sized wrong. */
function marked(): Timeline {
  const timeline = threeShotTimeline(24);
  timeline.clips[1]!.markers = [
    { at: 1.5, name: 'black', note: 'black for 0.75 s from 1.5 s (0.5 s or more fails)' },
    // past the clip's end: stands on its last frame
    { at: 999, name: 'size', note: 'is 960x540, not the 1920x1080 asked' },
  ];
  return timeline;
}

interface OtioClip {
  name: string;
  source_range: { start_time: { value: number }; duration: { value: number } };
  markers: Array<{
    OTIO_SCHEMA: string;
    name: string;
    color: string;
    comment: string;
    marked_range: { start_time: { value: number; rate: number } };
  }>;
}

describe('check markers', () => {
  test('OTIO: one Marker.2 a failing check, in the clip’s media time, clamped into the clip', () => {
    const text = writeOtio(marked());
    assert.equal(readOtio(text).tracks[0]!.items.length, 3, 'markers do not disturb the cut');
    const doc = JSON.parse(text) as {
      tracks: { children: Array<{ children: OtioClip[] }> };
    };
    const [first, second] = doc.tracks.children[0]!.children;
    assert.deepEqual(first!.markers, [], 'an unmarked clip has none');
    const start = second!.source_range.start_time.value;
    const length = second!.source_range.duration.value;
    assert.deepEqual(
      second!.markers.map((m) => [
        m.OTIO_SCHEMA,
        m.name,
        m.color,
        m.marked_range.start_time.value - start,
      ]),
      [
        ['Marker.2', 'black', 'RED', 36],
        ['Marker.2', 'size', 'RED', length - 1],
      ],
    );
    assert.match(second!.markers[0]!.comment, /black for 0\.75 s/);
  });

  test('FCPXML: a <marker> in the asset-clip, read back by name', () => {
    const xml = writeFcpxml(marked());
    assert.match(
      xml,
      /<marker start="[^"]+" duration="100\/2400s" value="black" note="black for 0\.75 s/,
    );
    const read = readFcpxml(xml);
    const clips = read.tracks[0]!.items.filter((i) => i.kind === 'clip');
    const fcpxml = (c: (typeof clips)[number]) =>
      (c.metadata?.fcpxml as { markers?: string[] } | undefined)?.markers;
    assert.equal(fcpxml(clips[0]!), undefined);
    assert.deepEqual(fcpxml(clips[1]!), ['black', 'size']);
  });

  test('EDL: a locator at record timecode, the note in full as ours', () => {
    const edl = writeEdl(marked());
    const read = readEdl(edl, 24);
    const clips = read.tracks[0]!.items.filter((i) => i.kind === 'clip');
    const locatorsOf = (i: number) =>
      (clips[i]!.metadata?.cmx_3600 as { locators?: string[] } | undefined)?.locators;
    const locators = locatorsOf(1);
    // the second clip starts where the first ends; black shows 1.5 s (36 frames) into it
    const recordIn = Math.round((clips[0]!.duration + 3600) * 24);
    const frames = (tc: string) => {
      const [h, m, s, f] = tc.split(':').map(Number) as [number, number, number, number];
      return ((h * 60 + m) * 60 + s) * 24 + f;
    };
    assert.equal(locators?.length, 2);
    const [black] = locators!;
    assert.match(black!, /^\d\d:\d\d:\d\d:\d\d RED\s+black$/);
    assert.equal(frames(black!.slice(0, 11)) - recordIn, 36);
    assert.match(edl, /\* COMMENT: SHOTROUTER MARKER1 "black: black for 0\.75 s/);
    assert.equal(locatorsOf(0), undefined);
  });
});
