/** Preview takes of one shot differ visibly: their own colour, their number on the card. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { renderPreview } from '../../src/media/preview.ts';
import { previewOperation } from '../../src/providers/preview/preview-video-model.ts';
import { pixelAt, scratchDir } from './fixtures.ts';

const dir = scratchDir();

describe('preview takes', () => {
  it('two takes of one shot are different clips with different colours', async () => {
    const files = [0, 1].map((take) => path.join(dir, `take-${take}.mp4`));
    for (const [take, output] of files.entries()) {
      await renderPreview({
        output,
        seconds: 0.25,
        width: 160,
        height: 90,
        fps: 24,
        audio: false,
        label: { shotId: 's01', model: 'veo-3.1', prompt: 'a kite', take },
      });
    }
    assert.notDeepEqual(fs.readFileSync(files[0]!), fs.readFileSync(files[1]!));
    // the background, right of the labels and above the marker
    const [first, second] = await Promise.all(files.map((f) => pixelAt(f, 0, 150, 40)));
    const distance = first!.reduce((sum, c, i) => sum + Math.abs(c - second![i]!), 0);
    assert.ok(distance > 20, `colours ${first} and ${second} differ visibly`);
  });

  it('the preview model hands the engine’s take to the renderer', () => {
    const op = previewOperation(
      {
        prompt: 'a kite',
        resolution: '160x90',
        duration: 1,
        fps: 24,
        providerOptions: { shotrouter: { shotId: 's01', take: 2, model: 'veo-3.1' } },
      } as unknown as Parameters<typeof previewOperation>[0],
      'veo-3.1',
    );
    assert.equal(op.take, 2);
  });
});
