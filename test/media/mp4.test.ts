import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { conformClip } from '../../src/media/conform.ts';
import { isSyncSample, readIsoTracks } from '../../src/media/mp4.ts';
import { ffmpeg, makeClip, scratchDir } from './fixtures.ts';

const dir = scratchDir();
const at = (name: string) => path.join(dir, name);

before(async () => {
  await makeClip(at('a.mp4'), { seconds: 1, width: 320, height: 180, fps: 30, audio: {} });
  await makeClip(at('b.mp4'), {
    seconds: 1,
    width: 160,
    height: 90,
    fps: 25,
    picture: { color: 'blue' },
  });
  const target = { trimFrom: 0, trimSeconds: 0.5, width: 160, height: 90, fps: 24, audio: true };
  await conformClip({ ...target, input: at('a.mp4'), output: at('ca.mp4') });
  await conformClip({ ...target, input: at('b.mp4'), output: at('cb.mp4') });
  await ffmpeg([
    '-v',
    'error',
    '-i',
    at('a.mp4'),
    '-c',
    'copy',
    '-movflags',
    'frag_keyframe+empty_moov',
    at('fragmented.mp4'),
  ]);
  await ffmpeg(['-v', 'error', '-f', 'lavfi', '-i', 'sine=d=0.2', at('sound.wav')]);
});

describe('readIsoTracks', () => {
  it('reads the tracks of a conformed clip', async () => {
    const tracks = await readIsoTracks(at('ca.mp4'));
    assert.ok(tracks);
    assert.deepEqual(
      tracks.map((t) => t.handler),
      ['vide', 'soun'],
    );
    const video = tracks[0]!;
    assert.equal(video.sampleEntryType, 'avc1');
    assert.equal(video.sampleCount, 12);
    assert.equal(video.duration / video.timescale, 0.5);
    assert.equal(video.sampleDelta / video.timescale, 1 / 24);
    assert.equal(video.constantRate, true);
    assert.equal(video.simpleEdit, true);
    assert.equal(tracks[1]!.timescale, 48000);
  });

  it('sees the same sample description in clips conformed alike, whatever their source', async () => {
    const [a, b] = [await readIsoTracks(at('ca.mp4')), await readIsoTracks(at('cb.mp4'))];
    assert.ok(a?.[0]?.sampleEntry.equals(b![0]!.sampleEntry));
    const raw = await readIsoTracks(at('a.mp4'));
    assert.ok(!raw![0]!.sampleEntry.equals(a![0]!.sampleEntry));
  });

  it('reads which samples a decoder can start from, and the edit’s lead-in', async () => {
    // keyframes forced on frames 0, 5 and 9 (x264 makes no others in 12 frames at -g 48)
    const keyed = at('keyed.mp4');
    await ffmpeg([
      ...['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=s=160x90:r=24:d=0.5'],
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-g', '48'],
      ...['-force_key_frames', 'expr:eq(n,5)+eq(n,9)', keyed],
    ]);
    const video = (await readIsoTracks(keyed))![0]!;
    assert.deepEqual(video.syncSamples, [1, 6, 10]);
    assert.equal(video.editStart, 0);
    const starts = Array.from({ length: 12 }, (_, i) => i).filter((i) => isSyncSample(video, i));
    assert.deepEqual(starts, [0, 5, 9]);
    // a track without a sync sample list: every sample is one
    const everyOne = { ...video, syncSamples: undefined };
    assert.ok([0, 3, 11].every((i) => isSyncSample(everyOne, i)));
    // a sync sample count its box cannot hold is a corrupt header, not a huge list
    const bytes = fs.readFileSync(keyed);
    bytes.writeUInt32BE(0xfffffff0, bytes.indexOf('stss', 0, 'latin1') + 8);
    const corrupt = at('keyed-corrupt.mp4');
    fs.writeFileSync(corrupt, bytes);
    assert.equal(await readIsoTracks(corrupt), undefined);
    // AAC skips its encoder's priming through the edit list
    const sound = (await readIsoTracks(at('ca.mp4')))![1]!;
    assert.equal(sound.editStart, 1024);
  });

  it('declines files it cannot join by copy: fragmented MP4 and non-MP4', async () => {
    assert.equal(await readIsoTracks(at('fragmented.mp4')), undefined);
    assert.equal(await readIsoTracks(at('sound.wav')), undefined);
  });
});
