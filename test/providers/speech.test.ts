/**
 * The text-to-speech adapters against their sandbox stand-ins: every voice route of the catalog
 * is answered with real audio of the text, a refusal is `content_refused`, a wrong key is
 * `authentication` (naming the variable), injected rate limits and server errors are typed, and
 * the request bodies are each provider's own.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadCatalog } from '../../src/catalog/load.ts';
import type { TtsCard } from '../../src/catalog/schema.ts';
import { ShotrouterError } from '../../src/errors.ts';
import { audioSeconds } from '../../src/media/index.ts';
import { buildElevenLabsSpeechRequest } from '../../src/providers/elevenlabs/index.ts';
import { buildGeminiSpeechRequest } from '../../src/providers/google/index.ts';
import { buildMiniMaxSpeechRequest } from '../../src/providers/minimax/index.ts';
import { buildOpenAISpeechRequest } from '../../src/providers/openai/index.ts';
import { SPEECH_ADAPTERS, synthesizeSpeech } from '../../src/providers/speech.ts';
import { SANDBOX_SPEECH_MODELS, SPEECH_REFUSE_MARKER } from '../../src/sandbox/providers/speech.ts';
import { startSandbox } from '../../src/sandbox/server.ts';
import type { SandboxHandle } from '../../src/sandbox/types.ts';

const catalog = loadCatalog();
let sandbox: SandboxHandle;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shotrouter-speech-'));
before(async () => {
  sandbox = await startSandbox({ latencyMs: [0, 0], seed: 3 });
});
after(async () => {
  await sandbox.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const env = () => ({ SHOTROUTER_SANDBOX_URL: sandbox.url });
const routes = catalog.voices.flatMap((card) => card.routes.map((route) => ({ card, route })));

async function speak(card: TtsCard, route: TtsCard['routes'][number], text: string, extra = {}) {
  return synthesizeSpeech({
    card,
    route,
    voice: route.default_voice.value,
    text,
    adapter: { env: env(), ...extra },
  });
}

describe('text-to-speech adapters', () => {
  test('every voice route has an adapter and a stand-in', () => {
    assert.ok(routes.length >= 5);
    for (const { card, route } of routes) {
      assert.ok(SPEECH_ADAPTERS[route.provider], `${card.id}: an adapter for ${route.provider}`);
      const models = SANDBOX_SPEECH_MODELS[route.provider] as readonly string[];
      assert.ok(models.includes(route.model), `${card.id}: the sandbox answers ${route.model}`);
    }
  });

  for (const { card, route } of routes) {
    test(`${card.id} on ${route.provider}: real speech of the text, one purchase`, async () => {
      const before = sandbox.speech().length;
      const reply = await speak(card, route, 'The harbour wakes before the sun.');
      const file = path.join(dir, `${card.id}${reply.ext}`);
      fs.writeFileSync(file, reply.audio);
      const seconds = await audioSeconds(file);
      assert.ok(seconds > 1 && seconds < 5, `${card.id}: ${seconds} s of speech`);
      const bought = sandbox.speech().slice(before);
      assert.equal(bought.length, 1);
      assert.equal(bought[0]!.model, route.model);
      assert.equal(bought[0]!.voice, route.default_voice.value);
    });
  }

  test('a refusal is content_refused; a wrong key is authentication, naming the variable', async () => {
    for (const { card, route } of routes) {
      await assert.rejects(
        speak(card, route, `Say ${SPEECH_REFUSE_MARKER} now.`),
        (e: unknown) => ShotrouterError.is(e) && e.code === 'content_refused',
        `${card.id} refuses`,
      );
    }
    const tts1 = routes.find((r) => r.card.id === 'tts-1')!;
    await assert.rejects(
      speak(tts1.card, tts1.route, 'Hello.', {
        credentials: {
          provider: 'openai',
          values: { apiKey: 'bad-key' },
          baseUrl: `${sandbox.url}/openai`,
          apiKeyEnv: 'OPENAI_API_KEY',
          secrets: ['bad-key'],
          sandbox: false,
        },
      }),
      (e: unknown) =>
        ShotrouterError.is(e) &&
        e.code === 'authentication' &&
        /OPENAI_API_KEY/.test(e.message) &&
        !e.message.includes('bad-key'),
    );
  });

  test('a text longer than the model reads is refused before anything is sent', async () => {
    const tts1 = routes.find((r) => r.card.id === 'tts-1')!;
    const before = sandbox.speech().length;
    await assert.rejects(
      speak(tts1.card, tts1.route, 'a'.repeat(5000)),
      (e: unknown) =>
        ShotrouterError.is(e) && e.code === 'invalid_request' && /4096/.test(e.message),
    );
    assert.equal(sandbox.speech().length, before);
  });

  /** "Hello." in the route's default voice, from the sandbox at `url`. */
  const helloAgainst = (url: string, { card, route }: (typeof routes)[number]) =>
    synthesizeSpeech({
      card,
      route,
      voice: route.default_voice.value,
      text: 'Hello.',
      adapter: { env: { SHOTROUTER_SANDBOX_URL: url } },
    });

  test('rate limits and server errors are typed and retryable', async () => {
    const faulty = await startSandbox({ latencyMs: [0, 0], seed: 4, faults: { '429': 1 } });
    try {
      for (const entry of routes) {
        await assert.rejects(
          helloAgainst(faulty.url, entry),
          (e: unknown) => ShotrouterError.is(e) && e.code === 'rate_limited' && e.retryable,
          `${entry.card.id} is rate limited`,
        );
      }
    } finally {
      await faulty.close();
    }
    const broken = await startSandbox({ latencyMs: [0, 0], seed: 4, faults: { '5xx': 1 } });
    try {
      await assert.rejects(
        helloAgainst(broken.url, routes[0]!),
        (e: unknown) => ShotrouterError.is(e) && e.code === 'server_error' && e.retryable,
      );
    } finally {
      await broken.close();
    }
  });

  test('each body is the provider’s own shape', () => {
    const request = { modelId: 'm', voice: 'v', text: 'Hi.', notes: 'softly' };
    assert.deepEqual(buildOpenAISpeechRequest(request), {
      model: 'm',
      voice: 'v',
      input: 'Hi.',
      response_format: 'wav',
      instructions: 'softly',
    });
    assert.equal(
      buildOpenAISpeechRequest({ ...request, modelId: 'tts-1' }).instructions,
      undefined,
    );
    assert.deepEqual(buildGeminiSpeechRequest(request), {
      contents: [{ parts: [{ text: 'softly: Hi.' }] }],
      generationConfig: {
        responseModalities: ['AUDIO'],
        speechConfig: { voiceConfig: { prebuiltVoiceConfig: { voiceName: 'v' } } },
      },
    });
    assert.equal(
      (buildMiniMaxSpeechRequest(request).voice_setting as { voice_id: string }).voice_id,
      'v',
    );
    assert.deepEqual(buildElevenLabsSpeechRequest(request), { text: 'Hi.', model_id: 'm' });
  });
});
