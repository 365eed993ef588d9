/**
 * OpenAI text to speech: `POST /v1/audio/speech` with the model, voice and input (and the
 * delivery notes as `instructions` for the models that take them); the reply is the audio
 * itself, asked for as WAV so that the cut mixes it without another decode of a lossy format.
 */
import type { Connection, SpeechReply, SpeechRequest } from '../adapter-kit.ts';
import { signalOf } from '../adapter-kit.ts';
import { providerErrors } from '../errors.ts';
import { OPENAI_PROVIDER } from './openai-video-model.ts';

/** The speech request body. */
export function buildOpenAISpeechRequest(request: SpeechRequest): Record<string, unknown> {
  return {
    model: request.modelId,
    voice: request.voice,
    input: request.text,
    response_format: 'wav',
    // only the gpt-4o TTS models take instructions; tts-1 refuses none but ignores them
    ...(request.notes !== undefined && !request.modelId.startsWith('tts-1')
      ? { instructions: request.notes }
      : {}),
  };
}

export async function callOpenAISpeech(
  connection: Connection,
  request: SpeechRequest,
): Promise<SpeechReply> {
  const response = await connection.client().request('/v1/audio/speech', {
    method: 'POST',
    json: buildOpenAISpeechRequest(request),
    headers: { accept: 'audio/wav' },
    ...signalOf(request.signal),
  });
  const audio = new Uint8Array(await response.arrayBuffer());
  if (audio.length < 44 || Buffer.from(audio.subarray(0, 4)).toString('latin1') !== 'RIFF') {
    throw providerErrors.malformedResponse(OPENAI_PROVIDER, 'the speech reply is not a WAV file');
  }
  return { audio, ext: '.wav' };
}
