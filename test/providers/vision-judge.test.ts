/**
 * The vision judge against its sandbox stand-ins over loopback: a clip with a picture is judged
 * to show its prompt, a black one not; the prompt markers; the cost from the reply's usage; the
 * wire bodies; authentication, missing credentials, a garbled answer and the request faults.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { loadCatalog } from '../../src/catalog/load.ts';
import { judgeCostUsd } from '../../src/catalog/price.ts';
import type { JudgeCard, JudgeProviderId } from '../../src/catalog/schema.ts';
import { ShotrouterError } from '../../src/errors.ts';
import { billedFailureOf, connect } from '../../src/providers/adapter-kit.ts';
import {
  estimateVisionJudgeUsd,
  JUDGE_ADAPTERS,
  judgeSpendOf,
  visionJudge,
} from '../../src/providers/vision-judge.ts';
import { JUDGE_MARKERS } from '../../src/sandbox/providers/judge.ts';
import { ffmpeg, scratchDir } from '../media/fixtures.ts';
import { sandbox, type TestSandbox } from '../sandbox/helpers.ts';
import { sandboxCredentials } from './adapter-harness.ts';

const catalog = loadCatalog();
const card = (id: string): JudgeCard => {
  const found = catalog.judgesById.get(id);
  assert.ok(found, `judge card ${id}`);
  return found;
};
/** one judge per provider */
const JUDGES = [card('gemini-3.1-flash-lite'), card('gpt-5.4-mini')];

const dir = scratchDir();
const clips = { good: path.join(dir, 'good.mp4'), black: path.join(dir, 'black.mp4') };
const t: TestSandbox = await sandbox();
before(async () => {
  const encode = ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p'];
  await Promise.all([
    ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=320x180:r=24:d=1.5', ...encode, clips.good]),
    ffmpeg(['-f', 'lavfi', '-i', 'color=c=black:s=320x180:r=24:d=1.5', ...encode, clips.black]),
  ]);
});

const sandboxEnv = () => ({ env: { SHOTROUTER_SANDBOX_URL: t.sb.url } });

async function refusal(promise: Promise<unknown>): Promise<ShotrouterError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(ShotrouterError.is(error), `a ShotrouterError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the judge to fail');
}

for (const judge of JUDGES) {
  const provider = judge.routes[0]!.provider;
  describe(`${judge.id} on the ${provider} stand-in`, () => {
    test('a clip with a picture shows its prompt; the cost is the usage at the list price', async () => {
      const sent: unknown[] = [];
      const recording: typeof fetch = async (input, init) => {
        if (typeof init?.body === 'string') sent.push(JSON.parse(init.body));
        return fetch(input, init);
      };
      const result = await visionJudge({
        clip: clips.good,
        prompt: 'a test card with moving colour bars',
        card: judge,
        adapter: { ...sandboxEnv(), fetch: recording },
      });
      assert.equal(sent.length, 1, 'one request');
      WIRE[provider](sent[0]);
      assert.equal(result.check.code, 'judge');
      assert.equal(result.check.ok, true);
      assert.equal(result.check.value, 0.8);
      assert.match(result.check.message, new RegExp(`^${judge.id} says the take shows the prompt`));
      assert.equal(result.provider, provider);
      assert.deepEqual(result.frameTimes, [0.188, 0.563, 0.938, 1.313]);
      assert.ok(result.usage.inputTokens > 4 * 80, 'four images and the text counted');
      assert.ok(result.usage.outputTokens > 0);
      assert.equal(result.costUsd, judgeCostUsd(judge.routes[0]!.price.value, result.usage));
      assert.ok(result.costUsd > 0);
      const estimate = estimateVisionJudgeUsd(
        judge.routes[0]!,
        'a test card with moving colour bars',
      );
      assert.ok(estimate >= result.costUsd, `estimate ${estimate} covers ${result.costUsd}`);
    });

    test('a black clip does not show it', async () => {
      const result = await visionJudge({
        clip: clips.black,
        prompt: 'a harbour at dawn',
        card: judge,
        frames: 2,
        adapter: sandboxEnv(),
      });
      assert.equal(result.check.ok, false);
      assert.equal(result.check.value, 0.95);
      assert.match(result.check.message, /does not show the prompt .*2 of 2 frames are blank/);
    });

    test(`a prompt with ${JUDGE_MARKERS.notShown} is judged not shown`, async () => {
      const result = await visionJudge({
        clip: clips.good,
        prompt: `a harbour at dawn ${JUDGE_MARKERS.notShown}`,
        card: judge,
        frames: 1,
        adapter: sandboxEnv(),
      });
      assert.equal(result.check.ok, false);
    });

    test('an answer that is not the verdict JSON is a clear malformed_response', async () => {
      const error = await refusal(
        visionJudge({
          clip: clips.good,
          prompt: `a harbour ${JUDGE_MARKERS.garbled}`,
          card: judge,
          frames: 1,
          adapter: sandboxEnv(),
        }),
      );
      assert.equal(error.code, 'malformed_response');
      assert.match(error.message, new RegExp(`^${provider}: .*the judge's answer is not JSON`));
      // the provider billed the answer: what it cost is on the error
      const spent = judgeSpendOf(error);
      assert.ok(spent !== undefined && spent > 0, `spend ${spent}`);
    });

    test('a refused key is an authentication error that never shows the key', async () => {
      const secret = 'bad-key';
      const credentials = sandboxCredentials(provider, t, { apiKey: secret });
      const error = await refusal(
        visionJudge({
          clip: clips.good,
          prompt: 'a harbour',
          card: judge,
          frames: 1,
          adapter: { credentials: { ...credentials, secrets: [secret] } },
        }),
      );
      assert.equal(error.code, 'authentication');
      assert.ok(!error.message.includes(secret), error.message);
    });
  });
}

test('without credentials the judge fails before reading the clip', async () => {
  const error = await refusal(
    visionJudge({
      clip: path.join(dir, 'missing.mp4'),
      prompt: 'a harbour',
      card: JUDGES[1]!,
      adapter: { credentials: null },
    }),
  );
  assert.equal(error.code, 'authentication');
  assert.match(error.message, /OPENAI_API_KEY/);
});

test("a frame count the card does not take, or another card's route, is a usage error", async () => {
  const judge = JUDGES[0]!;
  const error = await refusal(
    visionJudge({ clip: clips.good, prompt: 'x', card: judge, frames: 0, adapter: sandboxEnv() }),
  );
  assert.equal(error.code, 'usage');
  assert.match(error.message, /1 to 16 frames/);
  const foreign = await refusal(
    visionJudge({ clip: clips.good, prompt: 'x', card: judge, route: JUDGES[1]!.routes[0]! }),
  );
  assert.equal(foreign.code, 'usage');
  assert.match(foreign.message, /has no route openai gpt-5\.4-mini/);
});

/** The fields of the two request bodies the test reads. */
interface GeminiBody {
  contents: { parts: { text?: string; inlineData?: { mimeType: string } }[] }[];
  generationConfig: { responseMimeType: string; responseJsonSchema: { required: string[] } };
}
interface OpenAIBody {
  model: string;
  store: boolean;
  text: { format: { type: string; strict: boolean } };
  input: { content: { type: string; detail?: string; image_url?: string }[] }[];
}

/** What each provider's request must look like (4 frames, the prompt quoted, the schema). */
const WIRE: Record<JudgeProviderId, (body: unknown) => void> = {
  google(body) {
    const gemini = body as GeminiBody;
    const parts = gemini.contents[0]!.parts;
    assert.match(parts[0]?.text ?? '', /^Prompt: """a test card with moving colour bars"""/);
    assert.equal(parts.filter((p) => p.inlineData?.mimeType === 'image/jpeg').length, 4);
    assert.equal(gemini.generationConfig.responseMimeType, 'application/json');
    assert.deepEqual(gemini.generationConfig.responseJsonSchema.required, [
      'shows_prompt',
      'confidence',
      'reason',
    ]);
  },
  openai(body) {
    const openai = body as OpenAIBody;
    assert.equal(openai.model, 'gpt-5.4-mini');
    assert.equal(openai.text.format.type, 'json_schema');
    assert.equal(openai.text.format.strict, true);
    assert.equal(openai.store, false);
    const images = openai.input[0]!.content.filter((p) => p.type === 'input_image');
    assert.equal(images.length, 4);
    assert.ok(
      images.every(
        (p) => p.detail === 'low' && p.image_url?.startsWith('data:image/jpeg;base64,') === true,
      ),
    );
  },
};

describe('request faults on the judge routes', () => {
  test('a 429 is rate_limited with its Retry-After; a mangled body is malformed_response', async () => {
    const limited = await sandbox({ faults: { '429': 1 }, retryAfterSeconds: 3 });
    const judge = JUDGES[1]!;
    const first = await refusal(
      visionJudge({
        clip: clips.good,
        prompt: 'x',
        card: judge,
        frames: 1,
        adapter: { env: { SHOTROUTER_SANDBOX_URL: limited.sb.url } },
      }),
    );
    assert.equal(first.code, 'rate_limited');
    assert.equal(first.retryable, true);
    const mangled = await sandbox({ faults: { malformed: 1 } });
    const second = await refusal(
      visionJudge({
        clip: clips.good,
        prompt: 'x',
        card: JUDGES[0]!,
        frames: 1,
        adapter: { env: { SHOTROUTER_SANDBOX_URL: mangled.sb.url } },
      }),
    );
    assert.equal(second.code, 'malformed_response');
  });
});

describe('replies the stand-ins do not give', () => {
  /** the JPEG signature: the canned replies never look at the picture */
  const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xe0]);
  /** A fetch that answers every request with this JSON body. */
  const replying =
    (body: unknown): typeof fetch =>
    async () =>
      new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } });
  const verdict = JSON.stringify({ shows_prompt: true, confidence: 0.7, reason: 'a harbour' });
  /** The vendor call alone (no frames sampled: the reply is canned), as visionJudge makes it. */
  const ask = (judge: JudgeCard, body: unknown) => {
    const route = judge.routes[0]!;
    const adapter = JUDGE_ADAPTERS[route.provider];
    const options = { credentials: sandboxCredentials(route.provider, t), fetch: replying(body) };
    const connection = connect(route.provider, options, adapter.client);
    const frames = [JPEG];
    return adapter.call(connection, {
      modelId: route.model,
      prompt: 'a harbour',
      frames,
      times: [0.5],
    });
  };

  const [gemini, openai] = JUDGES as [JudgeCard, JudgeCard];

  test('Gemini: thinking parts are not the answer, and thoughts are billed as output', async () => {
    const result = await ask(gemini, {
      candidates: [
        {
          content: {
            parts: [{ text: 'Looking at the frames…', thought: true }, { text: verdict }],
          },
          finishReason: 'STOP',
        },
      ],
      usageMetadata: { promptTokenCount: 400, candidatesTokenCount: 20, thoughtsTokenCount: 30 },
    });
    assert.equal(result.verdict.reason, 'a harbour');
    assert.deepEqual(result.usage, { inputTokens: 400, outputTokens: 50 });
  });

  const cases: [string, JudgeCard, unknown, string, RegExp][] = [
    [
      'Gemini: a blocked prompt',
      gemini,
      { promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: {} },
      'content_refused',
      /blocked \(SAFETY\)/,
    ],
    [
      'Gemini: an answer cut short',
      gemini,
      {
        candidates: [{ content: { parts: [{ text: '{"shows' }] }, finishReason: 'MAX_TOKENS' }],
        usageMetadata: {},
      },
      'malformed_response',
      /cut short/,
    ],
    [
      'OpenAI: a refusal',
      openai,
      {
        status: 'completed',
        output: [{ type: 'message', content: [{ type: 'refusal', refusal: 'I cannot help' }] }],
        usage: { input_tokens: 1, output_tokens: 1 },
      },
      'content_refused',
      /I cannot help/,
    ],
    [
      'OpenAI: an incomplete answer',
      openai,
      {
        status: 'incomplete',
        incomplete_details: { reason: 'max_output_tokens' },
        output: [],
        usage: { input_tokens: 1, output_tokens: 1024 },
      },
      'malformed_response',
      /incomplete \(max_output_tokens\)/,
    ],
    [
      'OpenAI: a confidence outside 0..1',
      openai,
      {
        status: 'completed',
        output: [
          {
            type: 'message',
            content: [{ type: 'output_text', text: verdict.replace('0.7', '1.5') }],
          },
        ],
        usage: { input_tokens: 1, output_tokens: 1 },
      },
      'malformed_response',
      /not a verdict at confidence/,
    ],
    [
      'OpenAI: no usage',
      openai,
      { status: 'completed', output: [] },
      'malformed_response',
      /judge reply at usage/,
    ],
  ];
  for (const [name, judge, body, code, message] of cases) {
    test(`${name} is ${code}`, async () => {
      const error = await refusal(ask(judge, body));
      assert.equal(error.code, code);
      assert.match(error.message, message);
      // an answer the provider billed keeps its usage; a reply without usage has none to keep
      assert.equal(billedFailureOf(error) !== undefined, name !== 'OpenAI: no usage');
    });
  }
});
