/**
 * `shotrouter qc CLIP --judge MODEL --prompt TEXT` against the sandbox's stand-in judges: the
 * verdict is one more check, its cost is printed, exit codes keep their meaning.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { main } from '../../src/cli/main.ts';
import { verdictSchema } from '../../src/qc/checks.ts';
import { ffmpeg, scratchDir } from '../media/fixtures.ts';
import { sandbox } from '../sandbox/helpers.ts';
import { memoryIO } from './memory-io.ts';

const dir = scratchDir();
const t = await sandbox();
before(async () => {
  const encode = ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p'];
  await Promise.all([
    ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=320x180:r=24:d=1', ...encode, `${dir}/good.mp4`]),
    ffmpeg([
      '-f',
      'lavfi',
      '-i',
      'color=c=black:s=320x180:r=24:d=1',
      ...encode,
      `${dir}/black.mp4`,
    ]),
  ]);
});

const qc = async (...args: string[]) => run({ SHOTROUTER_SANDBOX_URL: t.sb.url }, ...args);
const run = async (env: NodeJS.ProcessEnv, ...args: string[]) => {
  const io = memoryIO(dir, { env });
  const code = await main(['qc', ...args], io.io);
  return { code, out: io.stdout(), err: io.stderr() };
};

describe('shotrouter qc --judge', () => {
  it('adds the judge check and prints its cost; exit 0 when it shows the prompt', async () => {
    const { code, out } = await qc(
      'good.mp4',
      '--judge',
      'gpt-5.4-mini',
      '--prompt',
      'a test card',
      '--judge-frames',
      '2',
    );
    assert.equal(code, 0, out);
    assert.match(out, /^ok {4}judge +gpt-5\.4-mini says the take shows the prompt/m);
    assert.match(
      out,
      /^judge: gpt-5\.4-mini on openai, 2 frames, \d+ tokens in, \d+ out: \$0\.\d{6}$/m,
    );
  });

  it('exits 3 when the judge says the take does not show it; --json carries verdict and cost', async () => {
    const { code, out } = await qc(
      'black.mp4',
      '--judge',
      'gemini-3.1-flash-lite',
      '--prompt',
      'a harbour',
      '--judge-frames',
      '2',
      '--json',
    );
    assert.equal(code, 3);
    const parsed = JSON.parse(out);
    const judge = verdictSchema.parse(parsed).checks.find((c) => c.code === 'judge');
    assert.equal(judge?.ok, false);
    assert.equal(parsed.judge.provider, 'google');
    assert.equal(parsed.judge.verdict.shows_prompt, false);
    assert.ok(parsed.judge.cost_usd > 0);
    assert.ok(parsed.judge.usage.input_tokens > 0);
  });

  it('exits 64 on a judge that is not one, or without a prompt, before anything is checked', async () => {
    const video = await qc('missing.mp4', '--judge', 'veo-3.1', '--prompt', 'x');
    assert.equal(video.code, 64);
    assert.match(video.err, /veo-3\.1 is a video model, not a judge/);
    const typo = await qc('missing.mp4', '--judge', 'gpt-5.4-mni', '--prompt', 'x');
    assert.match(typo.err, /did you mean gpt-5\.4-mini\?/);
    assert.equal((await qc('missing.mp4', '--judge', 'gpt-5.4-mini')).code, 64);
    assert.equal((await qc('missing.mp4', '--prompt', 'x')).code, 64);
    const frames = await qc(
      'missing.mp4',
      '--judge',
      'gpt-5.4-mini',
      '--prompt',
      'x',
      '--judge-frames',
      '40',
    );
    assert.equal(frames.code, 64);
    assert.match(frames.err, /looks at 1 to 16 frames; 40 were asked/);
  });

  it('exits 2 when the judge cannot be asked (no credentials), naming the variable to set', async () => {
    const env = { SHOTROUTER_CREDENTIALS: `${dir}/no-credentials.json`, HOME: dir };
    const { code, err } = await run(env, 'good.mp4', '--judge', 'gpt-5.4-mini', '--prompt', 'x');
    assert.equal(code, 2, err);
    assert.match(err, /error \(authentication\): openai: no credentials; set OPENAI_API_KEY/);
  });

  it('exits 64 on a retired judge, naming its date', async () => {
    writeFileSync(
      `${dir}/retired.yaml`,
      [
        'models:',
        '  - id: gpt-5.4-mini',
        '    lifecycle:',
        '      retired_on: { value: 2026-06-01, source: test }',
        '    sources:',
        '      test: { url: "https://example.test", as_of: 2026-06-01 }',
      ].join('\n'),
    );
    const retired = await qc(
      'good.mp4',
      '--judge',
      'gpt-5.4-mini',
      '--prompt',
      'x',
      '--catalog',
      'retired.yaml',
    );
    assert.equal(retired.code, 64, retired.err);
    assert.match(retired.err, /gpt-5\.4-mini is retired \(2026-06-01\)/);
  });
});
