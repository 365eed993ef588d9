/**
 * The stand-in voices behind each provider's text-to-speech route (OpenAI `/v1/audio/speech`,
 * Gemini `generateContent` with AUDIO, MiniMax `/v1/t2a_v2`, ElevenLabs
 * `/v1/text-to-speech/{voice_id}`): the text is read by flite, on this machine, so the audio is
 * real speech of a real length, in the format the real service answers with. Every call that
 * succeeds is recorded as a purchase (`GET /_sandbox/speech`), which is what a test counts to
 * see that a narration is bought once (docs/sandbox-providers.md#voices).
 *
 * The text `SANDBOX_REFUSE` is refused as the provider refuses content.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runFfmpeg } from '../../media/ffmpeg.ts';
import { speakLocally } from '../../media/speech.ts';
import { invalid, json, type Reply, type SandboxRequest } from '../http.ts';
import type { ProviderName, SandboxSpeech } from '../types.ts';
import { hexId, openaiModelNotFound } from './common.ts';

/** The TTS models each stand-in answers for: the catalog's voice routes (a test keeps them in step). */
export const SANDBOX_SPEECH_MODELS = {
  openai: ['tts-1', 'gpt-4o-mini-tts'],
  google: ['gemini-3.8-flash-tts'],
  minimax: ['speech-2.8-turbo'],
  elevenlabs: ['eleven_multilingual_v2'],
} as const satisfies Partial<Record<ProviderName, readonly string[]>>;

export const SPEECH_REFUSE_MARKER = 'SANDBOX_REFUSE';

export function knowsSpeechModel(provider: keyof typeof SANDBOX_SPEECH_MODELS, model: string) {
  return (SANDBOX_SPEECH_MODELS[provider] as readonly string[]).includes(model);
}

/** `wav` (48 kHz stereo 16-bit), `mp3`, or `pcm24k` (raw 16-bit mono at 24 kHz, Gemini's). */
export type SpeechFormat = 'wav' | 'mp3' | 'pcm24k';

/** The text read by flite, in `format`. */
export async function standInSpeech(text: string, format: SpeechFormat): Promise<Buffer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sandbox-speech-'));
  try {
    const wav = path.join(dir, 'speech.wav');
    await speakLocally({ text, output: wav });
    if (format === 'wav') return await readFile(wav);
    const out = path.join(dir, format === 'mp3' ? 'speech.mp3' : 'speech.pcm');
    const encode =
      format === 'mp3'
        ? ['-c:a', 'libmp3lame', '-b:a', '128k']
        : ['-f', 's16le', '-ar', '24000', '-ac', '1'];
    await runFfmpeg(['-i', wav, ...encode, '-y', out]);
    return await readFile(out);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Records a purchase; the core's log is what `GET /_sandbox/speech` lists. */
export type SpeechLog = (entry: Omit<SandboxSpeech, 'created_at'>) => void;

function textOf(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '')
    throw invalid(`${field} is required`, field);
  return value;
}

/** OpenAI `POST /v1/audio/speech`: the audio itself, MP3 unless `response_format` says wav. */
export async function openaiSpeech(req: SandboxRequest, log: SpeechLog): Promise<Reply> {
  const body = await req.json();
  const model = typeof body.model === 'string' ? body.model : '';
  if (!knowsSpeechModel('openai', model)) {
    return openaiModelNotFound(model);
  }
  const input = textOf(body.input, 'input');
  if (input.length > 4096) throw invalid('input is longer than 4096 characters', 'input');
  const voice = textOf(body.voice, 'voice');
  const format = body.response_format ?? 'mp3';
  if (format !== 'mp3' && format !== 'wav') {
    throw invalid('the sandbox answers response_format mp3 or wav', 'response_format');
  }
  if (input.includes(SPEECH_REFUSE_MARKER)) {
    return json(400, {
      error: {
        message: 'Your request was rejected as a result of our safety system.',
        type: 'invalid_request_error',
        param: null,
        code: 'content_policy_violation',
      },
    });
  }
  const bytes = await standInSpeech(input, format);
  log({ provider: 'openai', model, voice, characters: [...input].length });
  return { status: 200, bytes, contentType: format === 'wav' ? 'audio/wav' : 'audio/mpeg' };
}

/** Gemini `generateContent` asking for AUDIO: 24 kHz mono PCM, base64, in `inlineData`. */
export async function geminiSpeech(
  req: SandboxRequest,
  model: string,
  log: SpeechLog,
): Promise<Reply> {
  const body = await req.json();
  const config = record(body.generationConfig);
  const modalities = Array.isArray(config?.responseModalities) ? config.responseModalities : [];
  if (!modalities.includes('AUDIO')) {
    throw invalid('a TTS model answers only with responseModalities: [AUDIO]', 'generationConfig');
  }
  const voice = record(
    record(record(record(config?.speechConfig)?.voiceConfig)?.prebuiltVoiceConfig),
  )?.voiceName;
  const parts = Array.isArray(body.contents)
    ? body.contents.flatMap((c) => {
        const p = record(c)?.parts;
        return Array.isArray(p) ? p : [];
      })
    : [];
  const text = textOf(parts.map((p) => String(record(p)?.text ?? '')).join(''), 'contents');
  if (text.includes(SPEECH_REFUSE_MARKER)) {
    return json(200, { promptFeedback: { blockReason: 'SAFETY' } });
  }
  const pcm = await standInSpeech(text, 'pcm24k');
  log({ provider: 'google', model, voice: String(voice ?? 'Kore'), characters: [...text].length });
  return json(200, {
    candidates: [
      {
        content: {
          role: 'model',
          parts: [
            {
              inlineData: {
                mimeType: 'audio/L16;codec=pcm;rate=24000',
                data: pcm.toString('base64'),
              },
            },
          ],
        },
        finishReason: 'STOP',
      },
    ],
    usageMetadata: {
      promptTokenCount: Math.ceil(text.length / 4),
      candidatesTokenCount: Math.ceil((pcm.length / 48_000) * 32),
    },
  });
}

/** MiniMax `POST /v1/t2a_v2`: JSON with the audio as hex and the outcome in `base_resp`. */
export async function minimaxSpeech(req: SandboxRequest, log: SpeechLog): Promise<Reply> {
  const body = await req.json();
  const model = typeof body.model === 'string' ? body.model : '';
  const failed = (code: number, message: string) =>
    json(200, { base_resp: { status_code: code, status_msg: message } });
  if (!knowsSpeechModel('minimax', model))
    return failed(2013, `invalid params, unknown model ${model}`);
  const text = textOf(body.text, 'text');
  const voice = record(body.voice_setting)?.voice_id;
  if (typeof voice !== 'string' || voice === '')
    return failed(2013, 'invalid params, voice_id is required');
  if (text.includes(SPEECH_REFUSE_MARKER)) return failed(1026, 'input new_sensitive');
  const mp3 = await standInSpeech(text, 'mp3');
  log({ provider: 'minimax', model, voice, characters: [...text].length });
  return json(200, {
    data: { audio: mp3.toString('hex'), status: 2 },
    extra_info: { audio_format: 'mp3', audio_size: mp3.length, usage_characters: [...text].length },
    trace_id: hexId(32),
    base_resp: { status_code: 0, status_msg: 'success' },
  });
}

/** ElevenLabs `POST /v1/text-to-speech/{voice_id}`: MP3 bytes. */
export async function elevenlabsSpeech(
  req: SandboxRequest,
  voice: string,
  log: SpeechLog,
): Promise<Reply> {
  const body = await req.json();
  const model = typeof body.model_id === 'string' ? body.model_id : 'eleven_multilingual_v2';
  if (!knowsSpeechModel('elevenlabs', model)) {
    return json(400, {
      detail: {
        status: 'model_not_found',
        message: `A model with model ID ${model} does not exist`,
      },
    });
  }
  const text = textOf(body.text, 'text');
  if (text.includes(SPEECH_REFUSE_MARKER)) {
    return json(400, {
      detail: {
        status: 'content_against_policy',
        message: 'The text violates our terms of service.',
      },
    });
  }
  const mp3 = await standInSpeech(text, 'mp3');
  log({ provider: 'elevenlabs', model, voice, characters: [...text].length });
  return { status: 200, bytes: mp3, contentType: 'audio/mpeg' };
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
