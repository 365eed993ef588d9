/**
 * What we write, we read back: the same clips in the same order, to the frame, with their
 * provenance and alternates; and the three formats written from one Timeline agree.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { ShotrouterError } from '../../src/errors.ts';
import {
  EDL_LINE_WIDTH,
  frameRateOf,
  framesToTimecode,
  provenanceOf,
  type ReadItem,
  type ReadTimeline,
  readEdl,
  readFcpxml,
  readOtio,
  secondsToFrames,
  type Timeline,
  type TimelineTake,
  timelineToClips,
  writeEdl,
  writeFcpxml,
  writeOtio,
} from '../../src/timeline/index.ts';
import { descendants, parseXml, xmlSafe } from '../../src/timeline/xml.ts';
import { HARD_PROMPT, threeShotTimeline } from './fixtures.ts';

const FORMATS = {
  otio: { write: writeOtio, read: (text: string) => readOtio(text) },
  fcpxml: { write: writeFcpxml, read: (text: string) => readFcpxml(text) },
  edl: { write: writeEdl, read: (text: string, fps: number) => readEdl(text, fps) },
} as const;

/** 01:00:00:00 as a frame number: drop-frame at 29.97, where it is frame 107892 */
const HOUR_FRAME = { 23.976: 86400, 25: 90000, 29.97: 107892 } as const;

function framesOf(seconds: number | undefined, fps: number): number | undefined {
  return seconds === undefined ? undefined : secondsToFrames(seconds, frameRateOf(fps));
}

/**
 * A clip as frames and strings, for comparing what was written with what was read. FCPXML
 * assets always have a length: when the media's is unknown, the part the edit uses.
 */
function takeShape(t: TimelineTake, fps: number, format: string) {
  const src = framesOf(t.sourceStart, fps) ?? 0;
  const dur = framesOf(t.duration, fps) ?? 0;
  const media = framesOf(t.mediaDuration, fps) ?? (format === 'fcpxml' ? src + dur : undefined);
  return { name: t.name, file: t.file, src, dur, media, provenance: t.metadata };
}

function itemShape(i: ReadItem, fps: number) {
  return {
    name: i.name,
    file: i.file,
    src: framesOf(i.sourceStart, fps),
    dur: framesOf(i.duration, fps),
    media: framesOf(i.mediaDuration, fps),
    provenance: provenanceOf(i),
  };
}

function assertSameEdit(read: ReadTimeline, written: Timeline, format: string): void {
  const { fps } = written;
  assert.equal(read.fps, frameRateOf(fps).num / frameRateOf(fps).den);
  assert.equal(framesOf(read.globalStart, fps), HOUR_FRAME[fps as keyof typeof HOUR_FRAME]);
  const video = read.tracks.find((t) => t.kind === 'video');
  assert.ok(video, 'a video track');
  assert.ok(
    read.tracks.some((t) => t.kind === 'audio'),
    'the media has sound, so an audio track',
  );
  assert.deepEqual(
    video.items.map((i) => itemShape(i, fps)),
    written.clips.map((c) => takeShape(c, fps, format)),
  );
  video.items.forEach((item, n) => {
    const alternates = written.clips[n]?.alternates ?? [];
    assert.deepEqual(
      (item.alternates ?? []).map((a) => itemShape(a, fps)),
      alternates.map((a) => takeShape(a, fps, format)),
      `alternates of clip ${n}`,
    );
  });
}

for (const fps of [23.976, 25, 29.97]) {
  describe(`round trip at ${fps} fps`, () => {
    const timeline = threeShotTimeline(fps);
    for (const [format, io] of Object.entries(FORMATS)) {
      test(`${format}: clips, frames, provenance and alternates come back`, () => {
        const text = io.write(timeline);
        const read = io.read(text, fps);
        assert.equal(read.title, timeline.title);
        assertSameEdit(read, timeline, format);
        assert.equal(provenanceOf(read.tracks[0]?.items[1] ?? {})?.prompt, HARD_PROMPT);
      });
    }

    test('the three formats describe the same cut, clip for clip', () => {
      const cuts = Object.values(FORMATS).map((io) =>
        timelineToClips(io.read(io.write(timeline), fps)).map((c) => ({
          name: c.name,
          file: c.file,
          src: framesOf(c.sourceStart, fps),
          dur: framesOf(c.duration, fps),
          rec: framesOf(c.recordStart, fps),
          provenance: provenanceOf(c),
        })),
      );
      assert.deepEqual(
        cuts[0]?.map((c) => c.rec),
        [0, framesOf(4, fps), (framesOf(4, fps) ?? 0) + (framesOf(2.5, fps) ?? 0)],
      );
      assert.deepEqual(cuts[1], cuts[0]);
      assert.deepEqual(cuts[2], cuts[0]);
    });
  });
}

describe('format details', () => {
  test('EDL: classic widths, ASCII, AX reels, AA/V, cuts from 01:00:00:00', () => {
    for (const fps of [23.976, 25, 29.97]) {
      const lines = writeEdl(threeShotTimeline(fps)).trimEnd().split('\n');
      for (const line of lines) {
        assert.ok(line.length <= EDL_LINE_WIDTH, `too wide: ${line}`);
        assert.match(line, /^[ -~]*$/, `not ASCII: ${line}`);
        assert.doesNotMatch(line, / $/, `trailing space: ${line}`);
      }
      assert.equal(lines[0], 'TITLE: Aurora launch film');
      assert.equal(lines[1], fps === 29.97 ? 'FCM: DROP FRAME' : 'FCM: NON-DROP FRAME');
      const events = lines.filter((l) => /^\d{3} /.test(l));
      assert.equal(events.length, 3);
      const rate = frameRateOf(fps);
      const df = fps === 29.97;
      const tc = (f: number) => framesToTimecode(f, rate, df);
      const hour = HOUR_FRAME[fps as keyof typeof HOUR_FRAME];
      const four = secondsToFrames(4, rate);
      assert.equal(
        events[0],
        `001  AX       AA/V  C        ${tc(secondsToFrames(0.5, rate))} ${tc(secondsToFrames(0.5, rate) + four)} ${tc(hour)} ${tc(hour + four)}`,
      );
      assert.ok(lines.includes('* FROM CLIP NAME: s02'));
    }
    assert.match(writeEdl(threeShotTimeline(29.97)), /01:00:00;00 01:00:04;00\n/);
  });

  test('EDL without sound: V only; provenance lines are plain comments', () => {
    const text = writeEdl({ ...threeShotTimeline(25), audio: false });
    assert.match(text, /^001 {2}AX {7}V {5}C {8}/m);
    assert.match(text, /^\* COMMENT: SHOTROUTER MODEL kling-3\.0$/m);
    assert.match(text, /^\* COMMENT: SHOTROUTER SEED null$/m);
    const read = readEdl(text, 25);
    assert.deepEqual(
      read.tracks.map((t) => t.kind),
      ['video'],
    );
  });

  test('FCPXML: version 1.10, frame-aligned times, an audition led by the pick', () => {
    for (const fps of [23.976, 25, 29.97]) {
      const text = writeFcpxml(threeShotTimeline(fps));
      const root = parseXml(text);
      assert.equal(root.attrs.version, '1.10');
      const format = descendants(root, 'format')[0];
      const [num, den] = (format?.attrs.frameDuration ?? '')
        .replace(/s$/, '')
        .split('/')
        .map(Number);
      assert.ok(num && den, 'frameDuration is a fraction');
      assert.equal(den / num, frameRateOf(fps).num / frameRateOf(fps).den);
      for (const el of [...descendants(root, 'asset-clip'), ...descendants(root, 'sequence')]) {
        for (const attr of ['offset', 'start', 'duration', 'tcStart'] as const) {
          const value = el.attrs[attr];
          if (value === undefined) continue;
          const m = /^(\d+)(?:\/(\d+))?s$/.exec(value);
          assert.ok(m, `${attr}="${value}" is a rational time`);
          const frames = (Number(m[1]) * den) / (Number(m[2] ?? 1) * num);
          assert.ok(Number.isInteger(frames), `${attr}="${value}" is a whole frame at ${fps}`);
        }
      }
      const sequence = descendants(root, 'sequence')[0];
      assert.equal(sequence?.attrs.tcFormat, fps === 29.97 ? 'DF' : 'NDF');
      const audition = descendants(root, 'audition');
      assert.equal(audition.length, 1);
      const takes = descendants(audition[0] as never, 'asset-clip');
      assert.deepEqual(
        takes.map(
          (t) =>
            descendants(t, 'md').find((m) => m.attrs.key === 'com.shotrouter.take')?.attrs.value,
        ),
        ['3', '1', '2'],
      );
    }
    assert.match(writeFcpxml(threeShotTimeline(29.97)), /tcStart="107999892\/30000s"/);
    assert.match(writeFcpxml(threeShotTimeline(23.976)), /tcStart="86486400\/24000s"/);
  });

  test('FCPXML: media paths can be made absolute file URLs for Final Cut Pro', () => {
    const text = writeFcpxml(threeShotTimeline(25), { mediaBaseUrl: '/srv/runs/aurora' });
    assert.match(text, /src="file:\/\/\/srv\/runs\/aurora\/media\/s02%20take3\.mp4"/);
    const read = readFcpxml(text);
    assert.equal(read.tracks[0]?.items[1]?.file, 'file:///srv/runs/aurora/media/s02%20take3.mp4');
  });

  test('OTIO: NTSC rates as OTIO stores them, alternates as Clip objects in metadata', () => {
    const doc = JSON.parse(writeOtio(threeShotTimeline(23.976)));
    assert.equal(doc.global_start_time.rate, 24000 / 1001);
    assert.equal(doc.global_start_time.value, 86400);
    const [video, audio] = doc.tracks.children;
    assert.deepEqual([video.kind, audio.kind], ['Video', 'Audio']);
    const alternates = video.children[1].metadata.shotrouter.alternates;
    assert.deepEqual(
      alternates.map((a: { OTIO_SCHEMA: string }) => a.OTIO_SCHEMA),
      ['Clip.2', 'Clip.2'],
    );
    assert.equal(
      video.children[1].media_references.DEFAULT_MEDIA.target_url,
      'media/s02%20take3.mp4',
    );
  });

  test('any prompt survives every format exactly (XML-illegal characters aside)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (prompt) => {
        const base = threeShotTimeline(24);
        const clip = base.clips[1];
        assert.ok(clip);
        const timeline = { ...base, clips: [{ ...clip, metadata: { ...clip.metadata, prompt } }] };
        const back = (r: ReadTimeline) => provenanceOf(r.tracks[0]?.items[0] ?? {})?.prompt;
        assert.equal(back(readOtio(writeOtio(timeline))), prompt);
        assert.equal(back(readEdl(writeEdl(timeline), 24)), prompt);
        assert.equal(back(readFcpxml(writeFcpxml(timeline))), xmlSafe(prompt));
      }),
      { numRuns: 150 },
    );
  });
});

describe('exact timing', () => {
  test('2000 clips at 29.97: no drift, the last cut lands on the exact frame', () => {
    const base = threeShotTimeline(29.97);
    const template = base.clips[2];
    assert.ok(template);
    const clips = Array.from({ length: 2000 }, (_, i) => ({
      ...template,
      name: `s${i}`,
      duration: 1.3,
    }));
    const timeline = { ...base, clips };
    const perClip = secondsToFrames(1.3, frameRateOf(29.97)); // 39 frames
    assert.equal(perClip, 39);
    const total = 2000 * perClip;
    const rate = frameRateOf(29.97);

    const edl = writeEdl(timeline).trimEnd().split('\n');
    const lastEvent = edl.filter((l) => /^\d{3} /.test(l)).at(-1) ?? '';
    assert.ok(lastEvent.endsWith(framesToTimecode(107892 + total, rate, true)));

    const fcp = parseXml(writeFcpxml(timeline));
    assert.equal(descendants(fcp, 'sequence')[0]?.attrs.duration, `${total * 1001}/30000s`);

    for (const [format, io] of Object.entries(FORMATS)) {
      const clips = timelineToClips(io.read(io.write(timeline), 29.97));
      const last = clips.at(-1);
      const exact = ((total - perClip) * 1001) / 30000;
      assert.ok(
        last && Math.abs(last.recordStart - exact) < 1e-9,
        `${format}: last record start ${last?.recordStart} ≠ ${exact}`,
      );
    }
  });

  test('a clip shorter than a frame, or negative times, are refused', () => {
    const base = threeShotTimeline(24);
    const clip = base.clips[0];
    assert.ok(clip);
    const bad = (over: Partial<typeof clip>) => ({ ...base, clips: [{ ...clip, ...over }] });
    for (const write of [writeOtio, writeFcpxml, writeEdl]) {
      assert.throws(
        () => write(bad({ duration: 0.01 })),
        (e: unknown) => ShotrouterError.is(e) && /shorter than one frame/.test(e.message),
      );
      assert.throws(() => write(bad({ sourceStart: -1 })), /negative/);
      assert.throws(() => write({ ...base, fps: 0 }), /frame rate/);
    }
  });
});
