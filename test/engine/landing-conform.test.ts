/**
 * A machine's landing conforms (a distributed run's worker): bounded, each content once, named
 * as the run's conformed folder names the clip's content.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import {
  type ConformOrder,
  conformedContent,
  conformKey,
  keyHash,
  LandingConforms,
} from '../../src/engine/landing-conform.ts';
import type { ConformOptions } from '../../src/media/index.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'shotrouter-landing-conform-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

function order(trimSeconds: number): ConformOrder {
  return {
    key: JSON.stringify({ trimFrom: 0, trimSeconds, slowmo: 1, width: 32, height: 18 }),
    ext: '.mp4',
    options: { trimFrom: 0, trimSeconds, width: 32, height: 18, fps: 24, audio: false },
  };
}

describe('landing conforms', () => {
  test('the content name is the hash of the run’s cache key for the clip', () => {
    const one = order(1);
    const key = conformKey('abc', one.key);
    assert.deepEqual(Object.keys(key).slice(0, 3), ['v', 'input', 'trimFrom']);
    assert.equal(conformedContent(one, 'abc'), `${keyHash(key)}.mp4`);
    assert.notEqual(conformedContent(one, 'abc'), conformedContent(one, 'abd'));
  });

  test('at most `concurrency` at once; identical orders and clips made before are conformed once', async () => {
    const dir = fs.mkdtempSync(path.join(root, 'pool-'));
    let running = 0;
    let most = 0;
    const made: string[] = [];
    const conform = async (options: ConformOptions) => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setImmediate(resolve));
      fs.writeFileSync(options.output, 'conformed');
      made.push(path.basename(options.output));
      running--;
    };
    const conforms = new LandingConforms(dir, { concurrency: 2, conform });
    fs.mkdirSync(conforms.dir, { recursive: true });
    const clip = { file: path.join(dir, 'clip.mp4'), sha256: 'c0ffee' };
    await Promise.all([
      conforms.conform([order(1), order(2)], clip),
      conforms.conform([order(1), order(3)], clip),
      conforms.conform([order(4), order(5)], clip),
    ]);
    assert.equal(most, 2);
    assert.equal(made.length, 5, 'five different clips, each once');
    await conforms.conform([order(2)], clip);
    assert.equal(made.length, 5, 'a clip conformed before is not made again');
  });

  test('a failed conform leaves nothing and throws; the next call tries again', async () => {
    const dir = fs.mkdtempSync(path.join(root, 'fail-'));
    let calls = 0;
    const conforms = new LandingConforms(dir, {
      conform: async (options) => {
        calls++;
        if (calls === 1) throw new Error('ffmpeg failed');
        fs.writeFileSync(options.output, 'conformed');
      },
    });
    fs.mkdirSync(conforms.dir, { recursive: true });
    const clip = { file: path.join(dir, 'clip.mp4'), sha256: 'c0ffee' };
    await assert.rejects(conforms.conform([order(1)], clip), /ffmpeg failed/);
    await conforms.conform([order(1)], clip);
    assert.equal(calls, 2);
    assert.deepEqual(fs.readdirSync(conforms.dir), [conformedContent(order(1), 'c0ffee')]);
  });
});
