/**
 * Music, narration and voices on tracks of their own: each format writes them where an editor
 * finds them (OTIO audio tracks, FCPXML connected clips on lanes below the storyline with their
 * role, EDL events on the channels after the clips' own) and our readers give them back.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type ReadTimeline,
  readEdl,
  readFcpxml,
  readOtio,
  type Timeline,
  writeEdl,
  writeFcpxml,
  writeOtio,
} from '../../src/timeline/index.ts';
import { threeShotTimeline } from './fixtures.ts';

/** The three-shot timeline (4 s, 2.5 s, …) with a bed from 1 s and a narration line at 5 s. */
function withSounds(): Timeline {
  const timeline = threeShotTimeline(24);
  timeline.audioTracks = [
    {
      name: 'music',
      role: 'music',
      clips: [
        {
          name: 'harbour-bed',
          file: 'audio/music-0-harbour-bed.m4a',
          at: 1,
          sourceStart: 0,
          duration: 6,
          mediaDuration: 12,
          source: 'music',
          gainDb: -12,
          ducked: true,
        },
      ],
    },
    {
      name: 'narration',
      role: 'dialogue',
      clips: [
        {
          name: 's02 narrator',
          file: 'audio/narration-s02.wav',
          at: 5,
          sourceStart: 0,
          duration: 1.5,
          source: 'narration',
          gainDb: 0,
          ducked: false,
          shotId: 's02',
        },
      ],
    },
  ];
  return timeline;
}

/** Each audio track after A1 as [name, [file, start s, duration s]…] with gaps summed. */
function soundTracks(read: ReadTimeline) {
  return read.tracks
    .filter((t) => t.kind === 'audio')
    .map((t) => {
      let at = 0;
      const clips: Array<[string | undefined, number, number]> = [];
      for (const item of t.items) {
        if (item.kind === 'clip') clips.push([item.file, at, item.duration]);
        if (item.kind !== 'transition') at += item.duration;
      }
      return clips;
    })
    .filter((clips) => clips.some(([file]) => file?.startsWith('audio/')));
}

const EXPECTED = [[['audio/music-0-harbour-bed.m4a', 1, 6]], [['audio/narration-s02.wav', 5, 1.5]]];

describe('sound tracks under the clips', () => {
  it('OTIO: one audio track each, named and placed', () => {
    const text = writeOtio(withSounds());
    assert.deepEqual(soundTracks(readOtio(text)), EXPECTED);
    const doc = JSON.parse(text);
    const names = doc.tracks.children.map((t: { name: string }) => t.name);
    assert.deepEqual(names, ['V1', 'A1', 'A2 music', 'A3 narration']);
    const bed = doc.tracks.children[2].children[1];
    assert.deepEqual(bed.metadata.shotrouter.audio, {
      source: 'music',
      gain_db: -12,
      ducked: true,
      shot_id: null,
    });
  });

  it('FCPXML: connected audio-only clips on lanes below the storyline, with their roles', () => {
    const text = writeFcpxml(withSounds());
    assert.match(text, /<asset [^>]*hasVideo="0"[^>]*hasAudio="1"/);
    assert.match(text, /<asset-clip [^>]*lane="-1"[^>]*name="harbour-bed"[^>]*audioRole="music"/);
    assert.match(
      text,
      /<asset-clip [^>]*lane="-2"[^>]*name="s02 narrator"[^>]*audioRole="dialogue"/,
    );
    assert.deepEqual(soundTracks(readFcpxml(text)), EXPECTED);
  });

  it('EDL: events on A3 and A4, after the clips’ own sound', () => {
    const text = writeEdl(withSounds());
    assert.match(text, /^004 {2}AX {7}A3 {4}C {8}/m);
    assert.match(text, /^005 {2}AX {7}A4 {4}C {8}/m);
    assert.ok(text.split('\n').every((line) => line.length <= 80));
    const read = readEdl(text, 24);
    assert.deepEqual(soundTracks(read), EXPECTED);
  });

  it('a sound past the timeline’s end is cut there', () => {
    const timeline = withSounds();
    const total = timeline.clips.reduce((sum, c) => sum + c.duration, 0);
    timeline.audioTracks![0]!.clips[0]!.duration = 100;
    const [bed] = soundTracks(readOtio(writeOtio(timeline)));
    assert.ok(Math.abs(bed![0]![1] + bed![0]![2] - total) < 1 / 24, JSON.stringify({ bed, total }));
  });
});
