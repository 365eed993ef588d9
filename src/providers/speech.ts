/**
 * Text to speech through the catalog's voices (`kind: tts` cards): one adapter per provider
 * (OpenAI's speech endpoint, Gemini's AUDIO generateContent, MiniMax's t2a_v2,
 * ElevenLabs' text-to-speech), called with
 * the route's model and the speaker's voice. What it costs is the caller's to work out from
 * the route's price and the speech made (a per-minute price needs the audio's length).
 */
import type { TtsCard, TtsProviderId, TtsRoute } from '../catalog/schema.ts';
import { ShotrouterError } from '../errors.ts';
import {
  type AdapterOptions,
  type ClientSetup,
  type Connection,
  connect,
  type SpeechReply,
  type SpeechRequest,
} from './adapter-kit.ts';
import { callElevenLabsSpeech, ELEVENLABS_CLIENT } from './elevenlabs/index.ts';
import { callGeminiSpeech, GOOGLE_CLIENT } from './google/index.ts';
import { callMiniMaxSpeech, MINIMAX_CLIENT } from './minimax/index.ts';
import { callOpenAISpeech, OPENAI_CLIENT } from './openai/index.ts';

export type { SpeechReply } from './adapter-kit.ts';

/** The providers this build speaks to for text to speech, with their client setup and call. */
export const SPEECH_ADAPTERS: Readonly<
  Record<
    TtsProviderId,
    {
      client: ClientSetup;
      call(connection: Connection, request: SpeechRequest): Promise<SpeechReply>;
      /** what the audio it answers with is written as */
      ext: '.wav' | '.mp3';
    }
  >
> = {
  openai: { client: OPENAI_CLIENT, call: callOpenAISpeech, ext: '.wav' },
  google: { client: GOOGLE_CLIENT, call: callGeminiSpeech, ext: '.wav' },
  minimax: { client: MINIMAX_CLIENT, call: callMiniMaxSpeech, ext: '.mp3' },
  elevenlabs: { client: ELEVENLABS_CLIENT, call: callElevenLabsSpeech, ext: '.mp3' },
};

export interface SpeechInput {
  card: TtsCard;
  route: TtsRoute;
  voice: string;
  text: string;
  notes?: string;
  adapter?: AdapterOptions;
  signal?: AbortSignal;
}

/**
 * Reads the text with the route's model and voice. Throws `usage` for a route the card does
 * not have, `invalid_request` for a text longer than the model reads, `authentication` when the provider has no
 * credentials (before anything is sent), and the provider error codes of the call.
 */
export async function synthesizeSpeech(input: SpeechInput): Promise<SpeechReply> {
  const { route } = input;
  if (!input.card.routes.some((r) => r.provider === route.provider && r.model === route.model)) {
    throw new ShotrouterError(
      'usage',
      `the voice ${input.card.id} has no route ${route.provider} ${route.model}`,
    );
  }
  const adapter = SPEECH_ADAPTERS[route.provider];
  const max = input.card.capabilities.max_chars.value;
  if ([...input.text].length > max) {
    throw new ShotrouterError(
      'invalid_request',
      `${input.card.id} reads at most ${max} characters in one request; this narration has ${[...input.text].length}: split it over more shots`,
    );
  }
  const connection = connect(route.provider, input.adapter ?? {}, adapter.client);
  return adapter.call(connection, {
    modelId: route.model,
    voice: input.voice,
    text: input.text,
    ...(input.notes !== undefined ? { notes: input.notes } : {}),
    ...(input.signal ? { signal: input.signal } : {}),
  });
}
