/**
 * Gemini text to speech on the Gemini API: one `generateContent` call asking for AUDIO with a
 * prebuilt voice; the reply carries 16-bit mono PCM at 24 kHz, base64 in `inlineData`, written
 * out as WAV. The delivery notes go before the text, as Google's guide steers style in words.
 */
import { z } from 'zod';
import {
  type Connection,
  pcmToWav,
  type SpeechReply,
  type SpeechRequest,
  signalOf,
} from '../adapter-kit.ts';
import { providerErrors } from '../errors.ts';
import { parseShape } from '../http.ts';
import { GOOGLE_PROVIDER } from './google-provider.ts';

const replySchema = z.object({
  candidates: z
    .array(
      z.object({
        finishReason: z.string().nullish(),
        content: z
          .object({
            parts: z
              .array(
                z.object({
                  inlineData: z.object({ mimeType: z.string(), data: z.string() }).nullish(),
                }),
              )
              .nullish(),
          })
          .nullish(),
      }),
    )
    .nullish(),
  promptFeedback: z.object({ blockReason: z.string().nullish() }).nullish(),
});

/** The `generateContent` body for a speech request. */
export function buildGeminiSpeechRequest(request: SpeechRequest): Record<string, unknown> {
  const text = request.notes === undefined ? request.text : `${request.notes}: ${request.text}`;
  return {
    contents: [{ parts: [{ text }] }],
    generationConfig: {
      responseModalities: ['AUDIO'],
      speechConfig: { voiceConfig: { prebuiltVoiceConfig: { voiceName: request.voice } } },
    },
  };
}

export async function callGeminiSpeech(
  connection: Connection,
  request: SpeechRequest,
): Promise<SpeechReply> {
  const path = `/v1beta/models/${encodeURIComponent(request.modelId)}:generateContent`;
  const reply = await connection
    .client()
    .post(path, buildGeminiSpeechRequest(request), signalOf(request.signal));
  const body = parseShape(GOOGLE_PROVIDER, replySchema, reply.body, 'speech reply');
  const blocked = body.promptFeedback?.blockReason;
  if (blocked) {
    throw providerErrors.contentRefused(GOOGLE_PROVIDER, `the text was blocked (${blocked})`);
  }
  const part = body.candidates?.[0]?.content?.parts?.find((p) => p.inlineData);
  const data = part?.inlineData;
  if (!data) {
    const finish = body.candidates?.[0]?.finishReason ?? 'no reason given';
    throw providerErrors.malformedResponse(
      GOOGLE_PROVIDER,
      `the speech reply carries no audio (${finish})`,
    );
  }
  const rate = Number(/rate=(\d+)/.exec(data.mimeType)?.[1] ?? 24_000);
  const pcm = Buffer.from(data.data, 'base64');
  if (pcm.length === 0) {
    throw providerErrors.malformedResponse(GOOGLE_PROVIDER, 'the speech reply is empty');
  }
  return { audio: pcmToWav(pcm, rate), ext: '.wav' };
}
