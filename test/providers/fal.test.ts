import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  buildFalRequest,
  createFalProvider,
  falAppOf,
  falTarget,
} from '../../src/providers/fal/index.ts';
import type { VideoCallOptions } from '../../src/providers/types.ts';
import { renderedOf } from '../sandbox/helpers.ts';
import {
  callOptions,
  completed,
  downloadAndProbe,
  PNG_BASE64,
  pollToEnd,
  sandbox,
  sandboxCredentials,
} from './adapter-harness.ts';

const image = { type: 'file' as const, mediaType: 'image/png', data: PNG_BASE64 };
const dataUri = `data:image/png;base64,${PNG_BASE64}`;
const end = { type: 'url' as const, url: 'https://example.com/end.png' };
const frames: VideoCallOptions['frameImages'] = [
  { image, frameType: 'first_frame' },
  { image: end, frameType: 'last_frame' },
];

describe('fal per-model inputs (one table)', () => {
  test('Kling 3: tier from the size, "7" as a string, start/end image fields, no seed or aspect on i2v', () => {
    const { endpoint, body, warnings } = buildFalRequest(
      'fal-ai/kling-video/v3',
      callOptions({
        resolution: '1920x1080',
        duration: 7,
        seed: 1,
        generateAudio: true,
        frameImages: frames,
      }),
    );
    assert.equal(endpoint, 'fal-ai/kling-video/v3/pro/image-to-video');
    assert.deepEqual(body, {
      prompt: 'A lighthouse in fog at dawn',
      start_image_url: dataUri,
      end_image_url: end.url,
      duration: '7',
      generate_audio: true,
    });
    assert.deepEqual(
      warnings.map((w) => ('feature' in w ? w.feature : '')),
      ['seed'],
    );
    assert.equal(
      buildFalRequest('fal-ai/kling-video/v3', callOptions({ resolution: '1280x720' })).endpoint,
      'fal-ai/kling-video/v3/standard/text-to-video',
    );
    assert.equal(
      buildFalRequest('fal-ai/kling-video/v3/4k', callOptions()).endpoint,
      'fal-ai/kling-video/v3/4k/text-to-video',
    );
  });

  test('Veo 3.1: "8s", first/last-frame endpoint with its own field names, references as image_urls', () => {
    const flf = buildFalRequest(
      'fal-ai/veo3.1',
      callOptions({ duration: 8, frameImages: frames, generateAudio: false }),
    );
    assert.equal(flf.endpoint, 'fal-ai/veo3.1/first-last-frame-to-video');
    assert.equal(flf.body.duration, '8s');
    assert.equal(flf.body.first_frame_url, dataUri);
    assert.equal(flf.body.last_frame_url, end.url);
    assert.equal(flf.body.resolution, '720p');
    assert.equal(flf.body.generate_audio, false);
    const refs = buildFalRequest('fal-ai/veo3.1', callOptions({ inputReferences: [end] }));
    assert.equal(refs.endpoint, 'fal-ai/veo3.1/reference-to-video');
    assert.deepEqual(refs.body.image_urls, [end.url]);
    assert.equal(refs.body.duration, '8s', 'reference-to-video makes 8-s clips');
    // the fast model has no reference endpoint: references are dropped with a warning
    const fast = buildFalRequest('fal-ai/veo3.1/fast', callOptions({ inputReferences: [end] }));
    assert.equal(fast.endpoint, 'fal-ai/veo3.1/fast');
    assert.equal(fast.warnings[0]?.type, 'unsupported');
  });

  test('Seedance 2.0 (a bytedance/ id): string seconds, no seed field, end_image_url', () => {
    const { endpoint, body, warnings } = buildFalRequest(
      'bytedance/seedance-2.0/fast',
      callOptions({ resolution: '1920x1080', duration: 6, seed: 4, frameImages: frames }),
    );
    assert.equal(endpoint, 'bytedance/seedance-2.0/fast/image-to-video');
    assert.equal(falAppOf(endpoint), 'bytedance/seedance-2.0');
    assert.equal(body.duration, '6');
    assert.equal(body.resolution, '720p');
    assert.equal(body.image_url, dataUri);
    assert.equal(body.end_image_url, end.url);
    assert.equal(body.seed, undefined);
    assert.deepEqual(warnings.map((w) => ('feature' in w ? w.feature : '')).sort(), [
      'resolution',
      'seed',
    ]);
  });

  test('Wan and LTX-2 write the length as a frame count of their form (4n+1, 8k+1); LTX-2 sends its size', () => {
    const wan = buildFalRequest('fal-ai/wan/v2.2-5b', callOptions({ duration: 5, fps: 24 }));
    assert.equal(wan.endpoint, 'fal-ai/wan/v2.2-5b/text-to-video');
    assert.equal(wan.body.num_frames, 121);
    assert.equal(wan.body.frames_per_second, 24);
    assert.equal(wan.body.resolution, '720p');
    const ltx = buildFalRequest(
      'fal-ai/ltx-2-19b',
      callOptions({ resolution: '1280x704', duration: 4, fps: 24, image }),
    );
    assert.equal(ltx.endpoint, 'fal-ai/ltx-2-19b/image-to-video');
    assert.equal(ltx.body.num_frames, 97);
    assert.equal(ltx.body.fps, 24);
    assert.deepEqual(ltx.body.video_size, { width: 1280, height: 704 });
    // 4 s at 25 fps is 100 frames, which no 8k+1 count makes: 24 fps gives exactly 97
    const at25 = buildFalRequest('fal-ai/ltx-2-19b', callOptions({ duration: 4, fps: 25 }));
    assert.deepEqual([at25.body.fps, at25.body.num_frames], [24, 97]);
    assert.ok(at25.warnings.some((w) => 'feature' in w && w.feature === 'fps'));
    // 8 s at 25 fps is exact: left alone
    const exact = buildFalRequest('fal-ai/ltx-2-19b', callOptions({ duration: 8, fps: 25 }));
    assert.deepEqual([exact.body.fps, exact.body.num_frames], [25, 201]);
    // A14B image-to-video is the turbo endpoint, which sets its own length
    const turbo = buildFalRequest('fal-ai/wan/v2.2-a14b', callOptions({ image }));
    assert.equal(turbo.endpoint, 'fal-ai/wan/v2.2-a14b/image-to-video/turbo');
    assert.equal(turbo.body.num_frames, undefined);
    assert.ok(turbo.warnings.some((w) => 'feature' in w && w.feature === 'duration'));
  });

  test('LTX-2.3 numbers and fps values; the fast variant after the mode; endpoint ids are recognised', () => {
    const ltx = buildFalRequest(
      'fal-ai/ltx-2.3/fast',
      callOptions({ resolution: '1920x1080', duration: 12, fps: 25 }),
    );
    assert.equal(ltx.endpoint, 'fal-ai/ltx-2.3/text-to-video/fast');
    assert.equal(ltx.body.duration, 12);
    assert.equal(ltx.body.fps, 25);
    assert.equal(ltx.body.resolution, '1080p');
    assert.deepEqual(falTarget('fal-ai/pika/v2.2/image-to-video')?.endpoint, {
      id: 'fal-ai/pika/v2.2/image-to-video',
      modes: ['image'],
    });
    assert.throws(
      () => buildFalRequest('fal-ai/pika/v2.2/image-to-video', callOptions()),
      /needs a start image/,
    );
    assert.throws(
      () => buildFalRequest('fal-ai/pika/v2.2', callOptions({ frameImages: frames })),
      /takes no last frame/,
    );
    const pika = buildFalRequest(
      'fal-ai/pika/v2.2',
      callOptions({ image, aspectRatio: '9:16', resolution: '720x1280' }),
    );
    assert.equal(
      pika.body.aspect_ratio,
      undefined,
      'image-to-video takes its frame from the image',
    );
  });

  test('an id outside the table gets the prompt, the image and the caller’s own fields, with a warning', () => {
    const { endpoint, body, warnings } = buildFalRequest(
      'fal-ai/some-new-model',
      callOptions({ image, providerOptions: { fal: { num_frames: 50 } } }),
    );
    assert.equal(endpoint, 'fal-ai/some-new-model');
    assert.deepEqual(body, {
      prompt: 'A lighthouse in fog at dawn',
      image_url: dataUri,
      num_frames: 50,
    });
    assert.equal(warnings[0]?.type, 'other');
  });
});

describe('fal families end to end on the sandbox', () => {
  const cases: {
    modelId: string;
    options: VideoCallOptions;
    seconds: number;
    width: number;
    height: number;
    fps: number;
    audio: boolean;
  }[] = [
    {
      modelId: 'bytedance/seedance-2.0/fast',
      options: callOptions({ resolution: '864x480', duration: 4, generateAudio: true }),
      seconds: 4,
      width: 854,
      height: 480,
      fps: 24,
      audio: true,
    },
    {
      modelId: 'fal-ai/kling-video/v3',
      options: callOptions({ resolution: '1920x1080', duration: 3, generateAudio: false, image }),
      seconds: 3,
      width: 1920,
      height: 1080,
      fps: 24,
      audio: false,
    },
    {
      modelId: 'fal-ai/wan/v2.2-5b',
      options: callOptions({ duration: 2, fps: 24, resolution: '1280x720' }),
      seconds: 49 / 24,
      width: 1280,
      height: 720,
      fps: 24,
      audio: false,
    },
  ];
  for (const c of cases) {
    test(`${c.modelId}: status and result under the app id, a clip of the asked shape`, async () => {
      const t = await sandbox();
      const model = createFalProvider({ credentials: sandboxCredentials('fal', t) }).model(
        c.modelId,
      );
      const started = await model.doStart!(c.options);
      const done = completed(await pollToEnd(model, started.operation, t, 250));
      const info = await downloadAndProbe('fal', done);
      const size = renderedOf(c);
      assert.ok(
        Math.abs(info.durationSeconds - c.seconds) < 0.1,
        `duration ${info.durationSeconds}`,
      );
      assert.deepEqual([info.width, info.height], [size.width, size.height]);
      assert.ok(Math.abs(info.fps - c.fps) < 0.01);
      assert.equal(info.hasAudio, c.audio);
    });
  }
});
