import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { main } from '../../src/cli/main.ts';
import { ShotrouterError } from '../../src/errors.ts';
import {
  checkSchema,
  checkTake,
  judgeTake,
  parseAnalysisLog,
  passed,
  verdictSchema,
} from '../../src/qc/index.ts';
import { subtract } from '../../src/qc/judge.ts';
import { memoryIO } from '../cli/memory-io.ts';
import { scratchDir } from '../media/fixtures.ts';
import { ASKED, clipName, ffmpeg, type Images, makeImages, RECIPES } from './clips.ts';

const dir = scratchDir();
const clip = (name: string) => path.join(dir, name);
let images: Images;

before(async () => {
  images = await makeImages(dir);
  // two at a time: the machine's cores are shared
  const queue = [...RECIPES];
  const worker = async () => {
    for (let r = queue.shift(); r !== undefined; r = queue.shift()) {
      await ffmpeg(r.args(clip(clipName(r)), images));
    }
  };
  await Promise.all([worker(), worker()]);
  await ffmpeg([
    ...['-f', 'lavfi', '-i', 'testsrc2=s=320x180:r=24:d=2'],
    ...['-f', 'lavfi', '-i', 'anullsrc=r=48000:cl=stereo', '-t', '2'],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac'],
    clip('silent-track.mp4'),
  ]);
});

const failing = (checks: { code: string; ok: boolean }[]) =>
  checks.filter((c) => !c.ok).map((c) => c.code);

describe('checkTake on clips made with ffmpeg', () => {
  for (const recipe of RECIPES) {
    const expected = recipe.fails.length === 0 ? 'passes' : `fails ${recipe.fails.join(', ')}`;
    it(`${recipe.name}: ${expected}`, async () => {
      const checks = await checkTake(clip(clipName(recipe)), { ...ASKED, audio: true });
      for (const check of checks) checkSchema.parse(check);
      assert.deepEqual(failing(checks), recipe.fails, JSON.stringify(checks, null, 1));
      assert.equal(passed(checks), recipe.fails.length === 0);
    });
  }

  it('says where a defect starts', async () => {
    const checks = await checkTake(clip('black-stretch.mp4'), { ...ASKED, audio: true });
    const black = checks.find((c) => c.code === 'black')!;
    assert.ok(Math.abs(black.at! - 0.6) < 0.05, `at ${black.at}`);
    assert.ok(Math.abs((black.value as number) - 0.75) < 0.1, `lasts ${black.value}`);
  });

  it('passes a multi-shot clip with the cut it asked for', async () => {
    const checks = await checkTake(clip('cut-in-the-middle.mp4'), { ...ASKED, cuts: 1 });
    const cuts = checks.find((c) => c.code === 'cuts')!;
    assert.equal(cuts.ok, true);
    assert.equal(cuts.value, 1);
  });

  it('compares the first and last frames with the images given', async () => {
    const zoom = clip('slow-zoom-on-a-still.mp4');
    const last = clip('slow-zoom-last.png');
    await ffmpeg(['-sseof', '-0.1', '-i', zoom, '-update', '1', last]);
    const same = await checkTake(zoom, { firstFrame: images.fractal, lastFrame: last });
    assert.deepEqual(failing(same), []);
    const other = await checkTake(zoom, { firstFrame: images.pattern, lastFrame: images.bars });
    assert.deepEqual(failing(other), ['first_frame', 'last_frame']);
    const first = other.find((c) => c.code === 'first_frame')!;
    assert.ok((first.value as number) < (first.limit as number));
  });

  it('accepts a silent track when no sound was asked, and not a sounding one', async () => {
    assert.deepEqual(failing(await checkTake(clip('silent-track.mp4'), { audio: false })), []);
    const sounding = await checkTake(clip('moving-pattern.mp4'), { audio: false });
    assert.deepEqual(failing(sounding), ['audio']);
  });

  it('turns a file that is not a video into verification_failed (unreadable)', async () => {
    const junk = clip('junk.mp4');
    writeFileSync(junk, 'not a video');
    const error = await checkTake(junk, ASKED).then(
      () => assert.fail('should not pass'),
      (e: unknown) => e,
    );
    assert.ok(ShotrouterError.is(error));
    assert.equal(error.code, 'verification_failed');
    assert.equal((error.details as { reason: string }).reason, 'unreadable');
  });
});

describe('parseAnalysisLog', () => {
  const info = { durationSeconds: 4, hasAudio: true };
  it('reads every detector and runs open stretches to the end of the clip', () => {
    const m = parseAnalysisLog(
      [
        '[blackdetect @ 0x1] black_start:1 black_end:1.5 black_duration:0.5',
        '[freezedetect @ 0x2] lavfi.freezedetect.freeze_start: 2.5',
        '[scdet @ 0x3] lavfi.scd.score: 46.8, lavfi.scd.time: 3.25',
        '[scdet @ 0x3] lavfi.scd.score: 20, lavfi.scd.time: 0.5',
        '[silencedetect @ 0x4] silence_start: -0.01',
        '[silencedetect @ 0x4] silence_end: 1.2 | silence_duration: 1.21',
        '[silencedetect @ 0x4] silence_start: 3',
        '[astats@clipping @ 0x5] DC offset: 0.002',
        '[metadata@first @ 0x6] lavfi.ssim.Y=0.93',
        '[metadata@last @ 0x7] lavfi.ssim.Y=0.5',
        '[metadata@last @ 0x7] lavfi.ssim.Y=0.6',
        'frame=   72 fps=0.0 q=-0.0 Lsize=N/A',
      ],
      info,
    );
    assert.deepEqual(m.black, [{ start: 1, end: 1.5 }]);
    assert.deepEqual(m.frozen, [{ start: 2.5, end: 4 }]);
    assert.deepEqual(m.cuts, [0.5, 3.25]);
    assert.deepEqual(m.silence, [
      { start: 0, end: 1.2 },
      { start: 3, end: 4 },
    ]);
    assert.equal(m.clippedShare, 0.002);
    assert.equal(m.firstFrameSsim, 0.93);
    assert.equal(m.lastFrameSsim, 0.6);
  });
});

describe('judgeTake', () => {
  const info = {
    durationSeconds: 2,
    width: 320,
    height: 180,
    fps: 24,
    hasAudio: false,
    videoCodec: 'h264',
    pixelFormat: 'yuv420p',
    sizeBytes: 1,
  };
  const quiet = { info, black: [], frozen: [], silence: [], cuts: [] };

  it('reports a black stretch once: not as frozen, and its edges not as cuts', () => {
    const checks = judgeTake(
      {
        ...quiet,
        black: [{ start: 0.5, end: 1.5 }],
        frozen: [{ start: 0.5, end: 1.5 }],
        cuts: [0.5, 1.5],
      },
      {},
    );
    assert.deepEqual(failing(checks), ['black']);
  });

  it('subtracts stretches', () => {
    assert.deepEqual(subtract({ start: 0, end: 3 }, [{ start: 1, end: 2 }]), [
      { start: 0, end: 1 },
      { start: 2, end: 3 },
    ]);
    assert.deepEqual(subtract({ start: 1, end: 2 }, [{ start: 0, end: 3 }]), []);
  });

  it('fails a frame check it could not measure', () => {
    const checks = judgeTake(quiet, { firstFrame: 'a.png' });
    assert.deepEqual(failing(checks), ['first_frame']);
  });

  it('takes the duration tolerance the caller gives', () => {
    const strict = judgeTake(quiet, { seconds: 2.1 });
    const loose = judgeTake(quiet, { seconds: 2.1, durationToleranceSeconds: 0.2 });
    assert.deepEqual(failing(strict), ['duration']);
    assert.deepEqual(failing(loose), []);
  });
});

describe('shotrouter qc', () => {
  const qc = async (...args: string[]) => {
    const io = memoryIO(dir);
    const code = await main(['qc', ...args], io.io);
    return { code, out: io.stdout(), err: io.stderr() };
  };

  it('exits 0 when every check passes', async () => {
    const { code, out } = await qc(
      'moving-pattern.mp4',
      '--duration',
      '2',
      '--size',
      '320x180',
      '--fps',
      '24',
      '--audio',
    );
    assert.equal(code, 0, out);
    assert.match(out, /all 9 checks passed/);
  });

  it('exits 3 when a check fails, and --json prints the checks', async () => {
    const { code, out } = await qc('frozen-stretch.mp4', '--json', '--audio');
    assert.equal(code, 3);
    const verdict = verdictSchema.parse(JSON.parse(out));
    assert.deepEqual(failing(verdict.checks), ['frozen']);
  });

  it('exits 1 when the file is not a readable video', async () => {
    const { code, err } = await qc('missing.mp4');
    assert.equal(code, 1);
    assert.match(err, /not a readable video/);
  });

  it('exits 64 on bad flags, saying what to give', async () => {
    assert.equal((await qc('x.mp4', '--size', 'big')).code, 64);
    assert.equal((await qc('x.mp4', '--audio', '--no-audio')).code, 64);
    const image = await qc('x.mp4', '--first-frame', 'nope.png');
    assert.equal(image.code, 64);
    assert.match(image.err, /nope\.png is not a file/);
  });
});
