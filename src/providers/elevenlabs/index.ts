/**
 * ElevenLabs text to speech (the `elevenlabs` provider: voices only, no video): `POST
 * /v1/text-to-speech/{voice_id}` with the `xi-api-key` header and a JSON body of the text and
 * the model; the reply is MP3 bytes. Key: `ELEVENLABS_API_KEY`; host `https://api.elevenlabs.io`.
 */
import type { ShotrouterError } from '../../errors.ts';
import {
  type ClientSetup,
  type Connection,
  type SpeechReply,
  type SpeechRequest,
  signalOf,
} from '../adapter-kit.ts';
import { providerErrors } from '../errors.ts';
import type { HttpFailure } from '../http.ts';

export const ELEVENLABS_PROVIDER = 'elevenlabs';

/** ElevenLabs' errors are `{ detail: { status, message } }`; a policy refusal is content refused. */
export function mapElevenLabsError(failure: HttpFailure): ShotrouterError | undefined {
  const detail = (failure.body as { detail?: { status?: unknown; message?: unknown } } | undefined)
    ?.detail;
  const status = typeof detail?.status === 'string' ? detail.status : '';
  if (status === 'content_against_policy') {
    const message = typeof detail?.message === 'string' ? detail.message : status;
    return providerErrors.contentRefused(ELEVENLABS_PROVIDER, message);
  }
  if (status === 'quota_exceeded') return providerErrors.outOfCredit(ELEVENLABS_PROVIDER);
  return undefined;
}

export const ELEVENLABS_CLIENT: ClientSetup = {
  headers: ({ apiKey }) => ({ 'xi-api-key': apiKey! }),
  mapError: mapElevenLabsError,
};

/** The create-speech body (the voice is in the path). */
export function buildElevenLabsSpeechRequest(request: SpeechRequest): Record<string, unknown> {
  return { text: request.text, model_id: request.modelId };
}

export async function callElevenLabsSpeech(
  connection: Connection,
  request: SpeechRequest,
): Promise<SpeechReply> {
  const response = await connection
    .client()
    .request(`/v1/text-to-speech/${encodeURIComponent(request.voice)}`, {
      method: 'POST',
      query: { output_format: 'mp3_44100_128' },
      json: buildElevenLabsSpeechRequest(request),
      headers: { accept: 'audio/mpeg' },
      ...signalOf(request.signal),
    });
  const audio = new Uint8Array(await response.arrayBuffer());
  if (audio.length === 0) {
    throw providerErrors.malformedResponse(ELEVENLABS_PROVIDER, 'the speech reply is empty');
  }
  return { audio, ext: '.mp3' };
}
