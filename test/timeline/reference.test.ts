/**
 * Our readers on the formats' own sample files (test/fixtures/timeline, origins in its NOTICE.md),
 * with facts checked by reading the files by hand. Frame counts are at the file's rate.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type ReadItem,
  type ReadTimeline,
  readEdl,
  readFcpxml,
  readOtio,
  timelineToClips,
} from '../../src/timeline/index.ts';
import { readReference, referenceFiles } from './fixtures.ts';

const frames = (seconds: number | undefined, fps: number) => Math.round((seconds ?? 0) * fps);
const kinds = (items: ReadItem[]) => items.map((i) => i.kind);

/** name, source start, duration and record start of the first video track, in frames */
function cut(r: ReadTimeline) {
  return timelineToClips(r).map((c) => ({
    name: c.name,
    src: frames(c.sourceStart, r.fps),
    dur: frames(c.duration, r.fps),
    rec: frames(c.recordStart, r.fps),
  }));
}

describe('every reference file reads', () => {
  const readers = { otio: readOtio, fcpxml: readFcpxml, edl: (t: string) => readEdl(t, 24) };
  for (const kind of ['otio', 'fcpxml', 'edl'] as const) {
    const files = referenceFiles(kind).filter((f) => f !== '25fps.edl');
    test(`${kind}: ${files.length} files`, () => {
      assert.ok(files.length >= 3, `expected reference ${kind} files, found ${files.length}`);
      for (const file of files) {
        const r = readers[kind](readReference(kind, file));
        assert.ok(r.tracks.length > 0, `${file}: no tracks`);
        assert.ok(timelineToClips(r).length > 0, `${file}: no clips on the first video track`);
        for (const track of r.tracks) {
          for (const item of track.items) {
            assert.ok(Number.isFinite(item.duration) && item.duration >= 0, `${file}: duration`);
          }
        }
      }
    });
  }
});

describe('OpenTimelineIO samples', () => {
  test('simple_cut.otio: four clips end to end, the last one untrimmed', () => {
    const r = readOtio(readReference('otio', 'simple_cut.otio'));
    assert.equal(r.title, 'Figure 1 - Simple Cut List');
    assert.equal(r.fps, 24);
    assert.equal(r.tracks.length, 1);
    assert.deepEqual(cut(r), [
      { name: 'Clip-001', src: 3, dur: 3, rec: 0 },
      { name: 'Clip-002', src: 2, dur: 6, rec: 3 },
      { name: 'Clip-003', src: 0, dur: 4, rec: 9 },
      // no source_range: the media's available range (starts at frame 100, 6 long)
      { name: 'Clip-004', src: 100, dur: 6, rec: 13 },
    ]);
    const first = r.tracks[0]?.items[0];
    assert.equal(first?.file, 'file:///folder/titles.mov');
    assert.equal(frames(first?.mediaDuration, 24), 8);
  });

  test('transition.otio: a dissolve between clips takes no time', () => {
    const r = readOtio(readReference('otio', 'transition.otio'));
    const items = r.tracks[0]?.items ?? [];
    assert.deepEqual(kinds(items), ['clip', 'clip', 'transition', 'clip', 'clip']);
    const t = items[2];
    assert.equal(t?.transitionType, 'SMPTE_Dissolve');
    assert.equal(frames(t?.inOffset, 24), 2);
    assert.equal(frames(t?.outOffset, 24), 3);
    assert.deepEqual(
      cut(r).map((c) => c.rec),
      [0, 3, 9, 13],
    );
  });

  test('clip_example.otio: gap, clip, transition, gap', () => {
    const r = readOtio(readReference('otio', 'clip_example.otio'));
    const items = r.tracks[0]?.items ?? [];
    assert.deepEqual(kinds(items), ['gap', 'clip', 'transition', 'gap']);
    assert.deepEqual(
      items.map((i) => frames(i.duration, 24)),
      [8, 3, 3, 8],
    );
    assert.deepEqual(cut(r), [{ name: 'Clip-001', src: 3, dur: 3, rec: 8 }]);
  });

  test('transition_test.otio: transitions at both ends of the track', () => {
    const items = readOtio(readReference('otio', 'transition_test.otio')).tracks[0]?.items ?? [];
    assert.deepEqual(kinds(items), [
      'transition',
      'clip',
      'transition',
      'clip',
      'clip',
      'transition',
    ]);
    assert.deepEqual(
      items.filter((i) => i.kind === 'clip').map((i) => [i.name, frames(i.duration, 24)]),
      [
        ['A', 50],
        ['B', 50],
        ['C', 50],
      ],
    );
  });

  test('multitrack.otio: three video tracks, fillers as gaps', () => {
    const r = readOtio(readReference('otio', 'multitrack.otio'));
    assert.deepEqual(
      r.tracks.map((t) => [t.kind, t.name, t.items.length]),
      [
        ['video', 'Sequence', 6],
        ['video', 'Sequence 2', 3],
        ['video', 'Sequence 3', 3],
      ],
    );
    assert.deepEqual(
      cut(r).map((c) => [c.dur, c.rec]),
      [
        [720, 0],
        [722, 803],
        [720, 1957],
      ],
    );
  });

  test('multiple_track.otio: a track trimmed by its own source range', () => {
    const r = readOtio(readReference('otio', 'multiple_track.otio'));
    assert.equal(r.tracks.length, 3);
    const trimmed = r.tracks[2];
    assert.equal(trimmed?.name, 'Track-003');
    assert.deepEqual(
      [frames(trimmed?.sourceRange?.start, 24), frames(trimmed?.sourceRange?.duration, 24)],
      [-7, 16],
    );
    assert.equal(r.globalStart, 0);
  });

  test('nested_example.otio: nested stacks and tracks hold their place like clips', () => {
    const items = readOtio(readReference('otio', 'nested_example.otio')).tracks[0]?.items ?? [];
    assert.equal(items.length, 7);
    const nested = items[1];
    assert.equal(nested?.name, 'Nested Stack 1');
    assert.equal(frames(nested?.duration, 24), 31);
    assert.equal(nested?.metadata?.otio_composition, 'Stack.1');
    assert.equal(items[5]?.metadata?.otio_composition, 'Track.1');
  });

  test('premiere_example.otio: 30 fps, Clip.2, a clip timed at another rate', () => {
    const r = readOtio(readReference('otio', 'premiere_example.otio'));
    assert.equal(r.fps, 30);
    assert.deepEqual(
      r.tracks.map((t) => t.kind),
      ['video', 'video', 'video', 'video', 'audio', 'audio', 'audio', 'audio'],
    );
    // 50 frames at 15 fps: 100 frames at the timeline's 30, after a 536-frame gap
    assert.deepEqual(cut(r), [{ name: 'sc01_sh010_anim.mov', src: 0, dur: 100, rec: 536 }]);
    assert.equal(r.tracks[0]?.items[1]?.file, 'file://localhost/D%3a/media/sc01_sh010_anim.mov');
  });

  test('screening_example: the OTIO and the EDL of the same cut agree clip for clip', () => {
    const otio = readOtio(readReference('otio', 'screening_example.otio'));
    const edl = readEdl(readReference('edl', 'screening_example.edl'), 24);
    assert.equal(cut(otio).length, 9);
    assert.deepEqual(cut(edl), cut(otio));
    assert.deepEqual(cut(otio)[0], { name: 'ZZ100_501 (LAY3)', src: 86501, dur: 31, rec: 0 });
    const meta = otio.tracks[0]?.items[0]?.metadata?.cmx_3600 as { reel: string };
    assert.equal(meta.reel, 'ZZ100_50');
  });
});

describe('CMX3600 samples', () => {
  test('25fps.edl: frame 24 exists at 25 fps, so it reads at 25 and is refused at 24', () => {
    const text = readReference('edl', '25fps.edl');
    assert.throws(() => readEdl(text, 24), /frame 24.*24 fps/);
    const r = readEdl(text, 25);
    assert.equal(r.title, 'SQ0002_A2');
    assert.equal(r.fps, 25);
    assert.equal(r.dropFrame, false);
    assert.deepEqual(
      cut(r).map((c) => [c.name, c.src, c.dur, c.rec]),
      [
        ['sq001_s001', 90000, 161, 0],
        ['sq001_s002', 90000, 200, 161],
        ['sq001_s003', 90000, 86, 361],
        ['sq001_s004', 90000, 49, 447],
      ],
    );
    const meta = r.tracks[0]?.items[0]?.metadata?.cmx_3600 as { reel: string; comments: string[] };
    assert.equal(meta.reel, 'SC00.JPG');
    assert.deepEqual(meta.comments, ['sq001_s001']);
  });

  test('gap_test.edl: record gaps of 16 and 38 frames', () => {
    const r = readEdl(readReference('edl', 'gap_test.edl'));
    const items = r.tracks[0]?.items ?? [];
    assert.deepEqual(kinds(items), ['clip', 'gap', 'clip', 'gap', 'clip']);
    assert.deepEqual(
      items.map((i) => frames(i.duration, 24)),
      [24, 16, 24, 38, 24],
    );
    assert.deepEqual(
      cut(r).map((c) => [c.name, c.src, c.rec]),
      [
        ['shot1', 10 * 60 * 24, 0],
        ['shot2', 23 * 3600 * 24, 40],
        ['shot3', 10 * 3600 * 24, 102],
      ],
    );
  });

  test('dissolve_test.edl: a 10-frame dissolve into clip_B', () => {
    const r = readEdl(readReference('edl', 'dissolve_test.edl'));
    const items = r.tracks[0]?.items ?? [];
    assert.deepEqual(kinds(items), ['clip', 'transition', 'clip', 'clip']);
    const dissolve = items[1];
    assert.equal(dissolve?.transitionType, 'SMPTE_Dissolve');
    assert.deepEqual([frames(dissolve?.inOffset, 24), frames(dissolve?.outOffset, 24)], [0, 10]);
    assert.deepEqual(cut(r), [
      { name: 'clip_A', src: 86501, dur: 9, rec: 0 },
      { name: 'clip_B', src: 86600, dur: 10, rec: 9 },
      { name: 'clip_B', src: 86610, dur: 1, rec: 19 },
    ]);
    assert.equal(r.globalStart, 3600);
  });

  test('transition_duration.edl: CRLF lines and a 26-frame dissolve', () => {
    const r = readEdl(readReference('edl', 'transition_duration.edl'));
    assert.equal(r.title, 'TRANSITION_DURATION_TEST');
    const items = r.tracks[0]?.items ?? [];
    assert.deepEqual(kinds(items), ['clip', 'clip', 'transition', 'clip', 'clip']);
    assert.equal(frames(items[2]?.duration, 24), 26);
    assert.deepEqual(
      cut(r).map((c) => c.dur),
      [106, 74, 73, 155],
    );
    // 01:00:48:20
    assert.equal(frames(r.globalStart, 24), (3600 + 48) * 24 + 20);
  });

  test('avid_example.edl: no FCM line; the FROM CLIP comment names the file', () => {
    const r = readEdl(readReference('edl', 'avid_example.edl'));
    assert.equal(r.title, 'Avid_Example.01');
    assert.equal(r.dropFrame, undefined);
    const clips = timelineToClips(r);
    assert.deepEqual(
      clips.map((c) => [c.name, c.file]),
      [
        ['take_1', 'S:\\path\\to\\ZZ100_501.take_1.0001.exr'],
        ['take_2', 'S:\\path\\to\\ZZ100_502A.take_2.0101.exr'],
      ],
    );
  });

  test('screening_example.edl: record start 00:59:53:11, locators kept', () => {
    const r = readEdl(readReference('edl', 'screening_example.edl'));
    assert.equal(frames(r.globalStart, 24), 86243);
    const meta = r.tracks[0]?.items[3]?.metadata?.cmx_3600 as { locators: string[] };
    assert.deepEqual(meta.locators, [
      '01:00:01:14 RED     ANIM FIX NEEDED',
      '01:00:02:14 PINK     ANIM FIX NEEDED',
    ]);
  });
});

describe('FCPXML samples', () => {
  test('fcpx_example.fcpxml: the primary storyline of the first project', () => {
    const r = readFcpxml(readReference('fcpxml', 'fcpx_example.fcpxml'));
    assert.equal(r.title, 'OpenTimeline_Project');
    assert.equal(r.fps, 30);
    assert.equal(r.globalStart, 0);
    assert.equal(r.dropFrame, false);
    const primary = r.tracks[0]?.items ?? [];
    assert.deepEqual(
      [
        primary.length,
        ...['clip', 'gap', 'transition'].map((k) => primary.filter((i) => i.kind === k).length),
      ],
      [14, 6, 7, 1],
    );
    // the dissolve straddles the cut at 10 s: half a second each side
    const dissolve = primary[1];
    assert.equal(dissolve?.name, 'Cross Dissolve');
    assert.deepEqual([frames(dissolve?.inOffset, 30), frames(dissolve?.outOffset, 30)], [15, 15]);
    assert.deepEqual(cut(r), [
      { name: 'IMG_0715', src: 0, dur: 300, rec: 0 },
      { name: 'compound_clip_1', src: 109, dur: 900, rec: 2400 },
      { name: 'IMG_0233', src: 0, dur: 300, rec: 3300 },
      { name: 'IMG_0687', src: 376, dur: 300, rec: 3600 },
      { name: 'IMG_0268', src: 232, dur: 300, rec: 3900 },
      { name: 'compound_clip_1', src: 57, dur: 300, rec: 4200 },
    ]);
    assert.equal(primary[0]?.file, 'file:///Volumes/Media/otio/IMG_0715.MOV');
    // 6491/600 s of media
    assert.equal(primary[0]?.mediaDuration, 6491 / 600);
  });

  test('fcpx_example.fcpxml: connected clips and a secondary storyline become lanes', () => {
    const r = readFcpxml(readReference('fcpxml', 'fcpx_example.fcpxml'));
    assert.deepEqual(
      r.tracks.map((t) => [t.kind, t.name]),
      [
        ['video', 'primary storyline'],
        ['video', 'lane 1'],
        ['video', 'lane 2'],
        // the one asset-clip on the storyline (IMG_0268) brings its sound
        ['audio', 'primary storyline audio'],
        ['audio', 'lane -1'],
      ],
    );
    const sound = r.tracks[3] ?? { kind: 'audio', items: [] };
    assert.deepEqual(
      timelineToClips({ ...r, tracks: [{ ...sound, kind: 'video' }] }).map((c) => [
        c.name,
        c.recordStart,
      ]),
      [['IMG_0268', 130]],
    );
    const lane1 = r.tracks[1]?.items ?? [];
    assert.deepEqual(kinds(lane1), [
      'gap',
      'clip',
      'gap',
      'transition',
      'clip',
      'transition',
      'clip',
    ]);
    assert.deepEqual(
      lane1.filter((i) => i.kind === 'clip').map((i) => i.name),
      ['IMG_0513', 'IMG_0268', 'IMG_0740'],
    );
    // the storyline sits in the gap at 50 s; its clip IMG_0740 starts 0.5 s into the media
    const [gapA, , gapB] = lane1;
    assert.equal(frames((gapA?.duration ?? 0) + 10 + (gapB?.duration ?? 0), 30), 1500);
    assert.equal(frames(lane1[6]?.sourceStart, 30), 15);
    // connected at 108137/30 s in a gap whose clock starts at 3600 s, 60 s into the timeline:
    // (60·30 + 108137 − 3600·30) / 30 = 1937/30 s
    assert.equal(r.tracks[2]?.items[0]?.duration, 1937 / 30);
  });

  test('fcpx_project.fcpxml is the same project, written on one line', () => {
    const a = readFcpxml(readReference('fcpxml', 'fcpx_example.fcpxml'));
    const b = readFcpxml(readReference('fcpxml', 'fcpx_project.fcpxml'));
    assert.deepEqual(timelineToClips(b), timelineToClips(a));
  });

  test('fcpx_clips.fcpxml: no project, so the compound clip is read', () => {
    const r = readFcpxml(readReference('fcpxml', 'fcpx_clips.fcpxml'));
    assert.equal(r.title, 'compound_clip_1');
    assert.deepEqual(
      cut(r).map((c) => [c.name, c.src, c.dur, c.rec]),
      [
        ['IMG_0233', 0, 300, 0],
        ['IMG_0857', 157, 300, 1200],
        ['IMG_0858', 0, 300, 1800],
      ],
    );
  });
});
