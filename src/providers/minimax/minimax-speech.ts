/**
 * MiniMax text to speech: the synchronous `POST /v1/t2a_v2` with the model, text and voice id;
 * the reply is JSON with the audio as hex in `data.audio` (MP3 asked for) and the outcome in
 * `base_resp` (status_code 0 for success), which is mapped like the video API's.
 */
import { z } from 'zod';
import { type Connection, type SpeechReply, type SpeechRequest, signalOf } from '../adapter-kit.ts';
import { providerErrors } from '../errors.ts';
import { parseShape } from '../http.ts';
import { baseRespError, MINIMAX_PROVIDER } from './minimax-video-model.ts';

const replySchema = z.object({
  data: z.object({ audio: z.string().nullish(), status: z.number().nullish() }).nullish(),
  base_resp: z.object({ status_code: z.number(), status_msg: z.string().nullish() }),
});

/** The t2a_v2 body. */
export function buildMiniMaxSpeechRequest(request: SpeechRequest): Record<string, unknown> {
  return {
    model: request.modelId,
    text: request.text,
    stream: false,
    voice_setting: { voice_id: request.voice, speed: 1, vol: 1, pitch: 0 },
    audio_setting: { sample_rate: 32_000, bitrate: 128_000, format: 'mp3', channel: 1 },
  };
}

export async function callMiniMaxSpeech(
  connection: Connection,
  request: SpeechRequest,
): Promise<SpeechReply> {
  const reply = await connection
    .client()
    .post('/v1/t2a_v2', buildMiniMaxSpeechRequest(request), signalOf(request.signal));
  const body = parseShape(MINIMAX_PROVIDER, replySchema, reply.body, 'speech reply');
  const failed = baseRespError(
    body.base_resp.status_code,
    body.base_resp.status_msg,
    reply.headers,
    connection.apiKeyEnv,
  );
  if (failed) throw failed;
  const hex = body.data?.audio ?? '';
  if (hex === '' || !/^(?:[0-9a-fA-F]{2})+$/.test(hex)) {
    throw providerErrors.malformedResponse(MINIMAX_PROVIDER, 'the speech reply carries no audio');
  }
  return { audio: Buffer.from(hex, 'hex'), ext: '.mp3' };
}
