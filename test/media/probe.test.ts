import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { copyFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { probe, probeDetails, probeFromHeader, probeWithFfprobe } from '../../src/media/probe.ts';
import { ffmpeg, makeClip, rotatedCopy, scratchDir } from './fixtures.ts';

const dir = scratchDir();
const at = (name: string) => path.join(dir, name);

before(async () => {
  await Promise.all([
    makeClip(at('clip.mp4'), {
      seconds: 1,
      width: 320,
      height: 180,
      fps: '30000/1001',
      audio: { rate: 44100, channels: 1 },
    }),
    makeClip(at('upright.mp4'), { seconds: 0.5, width: 320, height: 180, fps: 24 }).then((file) =>
      rotatedCopy(file, at('rotated.mp4'), 90),
    ),
    ffmpeg([
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=s=160x90:r=25:d=2',
      '-c:v',
      'libvpx-vp9',
      '-deadline',
      'realtime',
      at('clip.webm'),
    ]),
    ffmpeg(['-v', 'error', '-f', 'lavfi', '-i', 'sine=d=1', at('sound.m4a')]),
  ]);
});

describe('probe', () => {
  it('reads picture and sound of an MP4', async () => {
    const info = await probe(at('clip.mp4'));
    assert.deepEqual(info, {
      durationSeconds: 1.001,
      width: 320,
      height: 180,
      fps: 30000 / 1001,
      frames: 30,
      hasAudio: true,
      videoCodec: 'h264',
      pixelFormat: 'yuv420p',
      audioCodec: 'aac',
      sampleRate: 44100,
      channels: 1,
      sizeBytes: statSync(at('clip.mp4')).size,
    });
  });

  it('reports the displayed size of a rotated clip', async () => {
    const details = await probeDetails(at('rotated.mp4'));
    assert.deepEqual([details.info.width, details.info.height], [180, 320]);
    assert.ok(Math.abs(details.displayAspect - 9 / 16) < 1e-9);
  });

  it('reads the duration of a WebM, which keeps it as a tag', async () => {
    const info = await probe(at('clip.webm'));
    assert.deepEqual(
      [info.videoCodec, info.durationSeconds, info.fps, info.hasAudio],
      ['vp9', 2, 25, false],
    );
  });

  it('answers again for a file renamed, and afresh for a file written again', async () => {
    const file = at('moved.mp4');
    await copyFile(at('clip.mp4'), file);
    const first = await probe(file);
    await rename(file, at('moved-again.mp4'));
    assert.deepEqual(await probe(at('moved-again.mp4')), first);
    await copyFile(at('upright.mp4'), at('moved-again.mp4'));
    const rewritten = await probe(at('moved-again.mp4'));
    assert.equal(rewritten.durationSeconds, 0.5);
    assert.equal(rewritten.hasAudio, false);
  });

  it('fails clearly on files without a picture, or missing', async () => {
    await assert.rejects(probe(at('sound.m4a')), {
      code: 'media_failed',
      message: /no video stream/,
    });
    await assert.rejects(probe(at('nope.mp4')), {
      code: 'media_failed',
      message: /does not exist/,
    });
  });
});

describe('probe from the header, without ffprobe', () => {
  const picture = (size: string, fps = '24', seconds = 0.5) => [
    ...['-f', 'lavfi', '-i', `testsrc2=s=${size}:r=${fps}:d=${seconds}`],
  ];
  const sound = (rate: number, layout: string) => [
    ...['-f', 'lavfi', '-i', `sine=r=${rate}:d=0.5`, '-af', `aformat=channel_layouts=${layout}`],
    ...['-c:a', 'aac'],
  ];
  const x264 = (...extra: string[]) => ['-c:v', 'libx264', '-preset', 'ultrafast', ...extra];
  /** files as providers and editors write them, each described both ways */
  const variants: Record<string, string[]> = {
    'plain.mp4': [...picture('320x180'), ...x264()],
    'b-frames and sound.mp4': [
      ...picture('320x180', '30000/1001'),
      ...sound(44100, 'mono'),
      ...x264('-preset', 'medium'),
    ],
    'full range bt709.mp4': [
      ...picture('320x180'),
      ...x264('-pix_fmt', 'yuvj420p', '-color_range', 'pc', '-colorspace', 'bt709'),
      ...['-color_primaries', 'bt709', '-color_trc', 'bt709'],
    ],
    '10-bit 4:2:2.mp4': [
      ...picture('320x180'),
      ...x264('-pix_fmt', 'yuv422p10le', '-colorspace', 'bt470bg'),
    ],
    '4:4:4.mp4': [...picture('320x180'), ...x264('-pix_fmt', 'yuv444p')],
    'rgb.mp4': [...picture('320x180'), '-c:v', 'libx264rgb', '-preset', 'ultrafast'],
    'baseline, cropped, anamorphic.mp4': [
      ...picture('318x178', '25'),
      ...['-vf', 'setsar=4/3'],
      ...x264('-profile:v', 'baseline'),
    ],
    'interlaced.mp4': [...picture('320x180'), ...x264('-flags', '+ildct+ilme')],
    'hd.mp4': [...picture('1920x1080', '30', 0.1), ...x264()],
    '5.1 sound.mp4': [...picture('320x180'), ...sound(48000, '5.1'), ...x264()],
    'quicktime.mov': [...picture('320x180'), ...sound(48000, 'stereo'), ...x264()],
    'container colour.mp4': [
      ...picture('320x180'),
      ...x264('-x264-params', 'colorprim=undef'),
      ...['-color_primaries', 'smpte170m', '-color_trc', 'smpte170m'],
      ...['-colorspace', 'smpte170m', '-movflags', '+write_colr'],
    ],
  };

  before(async () => {
    await Promise.all(
      Object.entries(variants).map(([name, args]) => ffmpeg(['-v', 'error', ...args, at(name)])),
    );
    await Promise.all([
      rotatedCopy(at('plain.mp4'), at('turned 270.mp4'), 270),
      rotatedCopy(at('plain.mp4'), at('turned 180.mp4'), 180),
      // a copy cut inside a group of pictures: an edit that skips into the stream
      ffmpeg([
        '-v',
        'error',
        '-ss',
        '0.3',
        '-i',
        at('b-frames and sound.mp4'),
        '-c',
        'copy',
        at('cut.mp4'),
      ]),
    ]);
  });

  it('says what ffprobe says of each usual clip', async () => {
    const names = [...Object.keys(variants), 'turned 270.mp4', 'turned 180.mp4', 'cut.mp4'];
    const described: string[] = [];
    for (const name of names) {
      const fromHeader = await probeFromHeader(at(name));
      if (fromHeader === undefined) continue;
      described.push(name);
      assert.deepEqual(fromHeader, await probeWithFfprobe(at(name)), name);
    }
    // all but the cut: its edit ends the picture early, so ffprobe is asked
    assert.deepEqual(described.sort(), names.filter((n) => n !== 'cut.mp4').sort());
    const cut = await probe(at('cut.mp4'));
    assert.deepEqual([cut.durationSeconds, cut.frames], [0.201, 15]);
  });

  it('leaves to ffprobe what it does not know: other codecs and containers, other sound', async () => {
    await ffmpeg([
      ...['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=s=160x90:r=25:d=0.4'],
      ...['-c:v', 'libx265', '-preset', 'ultrafast', '-tag:v', 'hvc1', at('hevc.mp4')],
    ]);
    await ffmpeg([
      ...['-v', 'error', '-i', at('plain.mp4'), '-f', 'lavfi', '-i', 'sine=d=0.5'],
      ...['-c:v', 'copy', '-c:a', 'libmp3lame', '-shortest', at('mp3 sound.mp4')],
    ]);
    for (const name of ['hevc.mp4', 'mp3 sound.mp4', 'clip.webm', 'sound.m4a']) {
      assert.equal(await probeFromHeader(at(name)), undefined, name);
    }
    assert.equal((await probe(at('hevc.mp4'))).videoCodec, 'hevc');
    assert.equal((await probe(at('mp3 sound.mp4'))).audioCodec, 'mp3');
  });
});
