/**
 * QC on the stand-ins: every clip the preview renderer and the sandbox make by default passes
 * (they move, open on a given first frame, and cut where a multi-shot clip asks), and each of the
 * sandbox's clip-defect faults fails exactly the check it should.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { renderPreview } from '../../src/media/preview.ts';
import { createPreviewProvider } from '../../src/providers/preview/index.ts';
import { type Check, checkTake } from '../../src/qc/index.ts';
import { CLIP_DEFECTS, type ClipDefect } from '../../src/sandbox/types.ts';
import { scratchDir } from '../media/fixtures.ts';
import { byteplus, DRIVERS, openai } from '../sandbox/drivers.ts';
import {
  type Driver,
  renderedOf,
  runToEnd,
  sandbox,
  type TestSandbox,
} from '../sandbox/helpers.ts';
import { type Images, makeImages } from './clips.ts';

const dir = scratchDir();
let images: Images;
before(async () => {
  images = await makeImages(dir);
});

const failing = (checks: Check[]) =>
  checks.filter((c) => !c.ok).map((c) => `${c.code}: ${c.message}`);
const label = { shotId: 's01', model: 'veo-3.1', prompt: 'a harbour at dawn, slow push-in' };

describe('preview clips pass QC', () => {
  const cases = [
    { seconds: 3, width: 640, height: 360, fps: 24, audio: true },
    { seconds: 2, width: 360, height: 640, fps: 30, audio: false },
    { seconds: 1.5, width: 320, height: 180, fps: 23.976, audio: true },
  ];
  for (const c of cases) {
    it(`${c.width}x${c.height}@${c.fps} ${c.audio ? 'with' : 'without'} sound, ${c.seconds} s`, async () => {
      const output = path.join(dir, `preview-${c.width}-${c.fps}.mp4`);
      await renderPreview({ output, ...c, label });
      assert.deepEqual(failing(await checkTake(output, c)), []);
    });
  }

  it('opens on the given first frame', async () => {
    const output = path.join(dir, 'preview-first-frame.mp4');
    const asked = { seconds: 2, width: 320, height: 180, fps: 24, audio: true };
    await renderPreview({ output, ...asked, label, firstFrame: images.fractal });
    const checks = await checkTake(output, { ...asked, firstFrame: images.fractal });
    assert.deepEqual(failing(checks), []);
    const other = await checkTake(output, { firstFrame: images.bars });
    assert.deepEqual(
      other.filter((c) => !c.ok).map((c) => c.code),
      ['first_frame'],
    );
  });

  it('ends on the given last frame', async () => {
    const output = path.join(dir, 'preview-last-frame.mp4');
    const asked = { seconds: 2, width: 320, height: 180, fps: 24, audio: true };
    await renderPreview({
      output,
      ...asked,
      label,
      firstFrame: images.fractal,
      lastFrame: images.bars,
    });
    const checks = await checkTake(output, {
      ...asked,
      firstFrame: images.fractal,
      lastFrame: images.bars,
    });
    assert.deepEqual(failing(checks), []);
  });

  it('the preview provider opens and closes on the frame images of the request', async () => {
    const model = createPreviewProvider().model('kling-3.0');
    const png = (file: string) => ({
      type: 'file' as const,
      mediaType: 'image/png',
      data: new Uint8Array(readFileSync(file)),
    });
    const started = await model.doStart!({
      prompt: 'the fractal turns into bars',
      n: 1,
      aspectRatio: '16:9',
      resolution: '320x180',
      duration: 2,
      fps: 24,
      seed: undefined,
      image: png(images.fractal),
      frameImages: [{ image: png(images.bars), frameType: 'last_frame' }],
      inputReferences: undefined,
      generateAudio: false,
      providerOptions: { shotrouter: { shotId: 's09', take: 0, model: 'kling-3.0' } },
    });
    const status = await model.doStatus!({ operation: started.operation });
    assert.ok(status.status === 'completed' && status.videos[0]?.type === 'binary');
    const output = path.join(dir, 'preview-provider-frames.mp4');
    writeFileSync(output, (status.videos[0] as { data: Uint8Array }).data);
    const checks = await checkTake(output, {
      seconds: 2,
      audio: false,
      firstFrame: images.fractal,
      lastFrame: images.bars,
    });
    assert.deepEqual(failing(checks), []);
  });

  it('cuts a multi-shot clip where its shots meet', async () => {
    const output = path.join(dir, 'preview-multi.mp4');
    const shots = [
      { shotId: 's04', prompt: 'the bezel clicks', seconds: 1 },
      { shotId: 's05', prompt: 'the crown turns', seconds: 1 },
      { shotId: 's06', prompt: 'the lume glows', seconds: 1 },
    ];
    const asked = { seconds: 3, width: 320, height: 180, fps: 24, audio: false };
    await renderPreview({ output, ...asked, label, shots });
    const checks = await checkTake(output, { ...asked, cuts: 2 });
    assert.deepEqual(failing(checks), []);
    const cuts = checks.find((c) => c.code === 'cuts')!;
    assert.match(cuts.message, /at 1 s, 2 s/);
  });
});

async function sandboxClip(
  driver: Driver,
  t: TestSandbox,
  name: string,
  request?: Record<string, unknown>,
): Promise<string> {
  const created = await driver.create(t, request === undefined ? undefined : { body: request });
  const reply = JSON.parse(await created.text());
  assert.ok(created.status < 300, `create answered ${created.status}: ${JSON.stringify(reply)}`);
  const id = driver.idOf(reply);
  const end = await runToEnd(driver, t, id);
  assert.equal(end.state, 'done');
  const res = await driver.download(t, id, end.state === 'done' ? end.body : undefined);
  assert.equal(res.status, 200);
  const file = path.join(dir, `${name}.mp4`);
  writeFileSync(file, Buffer.from(await res.arrayBuffer()));
  return file;
}

function askedOf(driver: Driver) {
  const { seconds, fps, audio } = driver.expected;
  return { seconds, fps, audio, ...renderedOf(driver.expected) };
}

describe('sandbox clips pass QC by default', () => {
  for (const driver of DRIVERS) {
    it(driver.name, async () => {
      const t = await sandbox();
      const file = await sandboxClip(driver, t, `sandbox-${driver.name}`);
      assert.deepEqual(failing(await checkTake(file, askedOf(driver))), []);
    });
  }
});

describe('sandbox clips open on the first frame given', () => {
  it('byteplus, with the image inline as a data: URI', async () => {
    const t = await sandbox();
    const png = readFileSync(images.fractal).toString('base64');
    const file = await sandboxClip(byteplus, t, 'sandbox-first-frame', {
      content: [
        { type: 'text', text: 'the fractal comes alive --rt 16:9' },
        {
          type: 'image_url',
          image_url: { url: `data:image/png;base64,${png}` },
          role: 'first_frame',
        },
      ],
    });
    const checks = await checkTake(file, { ...askedOf(byteplus), firstFrame: images.fractal });
    assert.deepEqual(failing(checks), []);
  });
});

describe('sandbox clip-defect faults', () => {
  const fails: Record<ClipDefect, string> = {
    black: 'black',
    frozen: 'frozen',
    silent: 'silence',
    short: 'duration',
    wrong_size: 'size',
    cut: 'cuts',
  };
  for (const defect of CLIP_DEFECTS) {
    it(`${defect}: the job succeeds and its clip fails the ${fails[defect]} check`, async () => {
      const t = await sandbox({ faults: { [defect]: 1 } });
      const file = await sandboxClip(openai, t, `defect-${defect}`);
      const checks = await checkTake(file, askedOf(openai));
      assert.deepEqual(
        checks.filter((c) => !c.ok).map((c) => c.code),
        [fails[defect]],
        JSON.stringify(checks, null, 1),
      );
      assert.equal(t.sb.stats().providers.openai.faults[defect], 1);
      assert.equal(t.sb.stats().providers.openai.completed, 1);
    });
  }
});
