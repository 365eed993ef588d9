/**
 * A Gemini model as a vision judge on the Gemini API: one `generateContent` call with the
 * frames as inline JPEG parts and the verdict held to a JSON schema (`responseMimeType` +
 * `responseJsonSchema`). Thinking and media resolution are asked low: a verdict needs neither,
 * and both are billed. Cost comes from `usageMetadata` (prompt tokens in; candidates and
 * thoughts out).
 */
import { z } from 'zod';
import {
  billedAnswer,
  type Connection,
  JUDGE_INSTRUCTIONS,
  JUDGE_MAX_OUTPUT_TOKENS,
  type JudgeReply,
  type JudgeRequest,
  judgeQuestion,
  judgeTokens,
  parseVerdict,
  signalOf,
  VERDICT_JSON_SCHEMA,
} from '../adapter-kit.ts';
import { providerErrors } from '../errors.ts';
import { parseShape, toBase64 } from '../http.ts';
import { GOOGLE_PROVIDER } from './google-provider.ts';

const replySchema = z.object({
  candidates: z
    .array(
      z.object({
        content: z
          .object({
            parts: z
              .array(z.object({ text: z.string().nullish(), thought: z.boolean().nullish() }))
              .nullish(),
          })
          .nullish(),
        finishReason: z.string().nullish(),
      }),
    )
    .nullish(),
  promptFeedback: z.object({ blockReason: z.string().nullish() }).nullish(),
  usageMetadata: z.object({
    promptTokenCount: z.number().nullish(),
    candidatesTokenCount: z.number().nullish(),
    thoughtsTokenCount: z.number().nullish(),
  }),
});

/** Finish reasons that mean the answer was withheld, not cut short. */
const REFUSED = /SAFETY|BLOCKLIST|PROHIBITED|SPII|RECITATION|IMAGE_SAFETY/;

/** The `generateContent` body for a judge request. */
export function buildGeminiJudgeRequest(request: JudgeRequest): Record<string, unknown> {
  return {
    systemInstruction: { parts: [{ text: JUDGE_INSTRUCTIONS }] },
    contents: [
      {
        role: 'user',
        parts: [
          { text: judgeQuestion(request) },
          ...request.frames.map((frame) => ({
            inlineData: { mimeType: 'image/jpeg', data: toBase64(frame) },
          })),
        ],
      },
    ],
    generationConfig: {
      responseMimeType: 'application/json',
      responseJsonSchema: VERDICT_JSON_SCHEMA,
      maxOutputTokens: JUDGE_MAX_OUTPUT_TOKENS,
      mediaResolution: 'MEDIA_RESOLUTION_LOW',
      thinkingConfig: { thinkingLevel: 'low' },
    },
  };
}

export async function callGeminiJudge(
  connection: Connection,
  request: JudgeRequest,
): Promise<JudgeReply> {
  const path = `/v1beta/models/${encodeURIComponent(request.modelId)}:generateContent`;
  const reply = await connection
    .client()
    .post(path, buildGeminiJudgeRequest(request), signalOf(request.signal));
  const body = parseShape(GOOGLE_PROVIDER, replySchema, reply.body, 'judge reply');
  const tokens = body.usageMetadata;
  const usage = {
    inputTokens: judgeTokens(tokens.promptTokenCount),
    // thinking is billed at the output price
    outputTokens: judgeTokens(tokens.candidatesTokenCount) + judgeTokens(tokens.thoughtsTokenCount),
  };
  return billedAnswer(usage, () => {
    const blocked = body.promptFeedback?.blockReason;
    if (blocked) {
      throw providerErrors.contentRefused(GOOGLE_PROVIDER, `the prompt was blocked (${blocked})`);
    }
    const candidate = body.candidates?.[0];
    const finish = candidate?.finishReason ?? '';
    if (REFUSED.test(finish)) {
      throw providerErrors.contentRefused(GOOGLE_PROVIDER, `the answer was withheld (${finish})`);
    }
    if (finish === 'MAX_TOKENS') {
      throw providerErrors.malformedResponse(
        GOOGLE_PROVIDER,
        `the judge's answer was cut short at ${JUDGE_MAX_OUTPUT_TOKENS} tokens`,
      );
    }
    const text = (candidate?.content?.parts ?? [])
      .filter((part) => part.thought !== true)
      .map((part) => part.text ?? '')
      .join('');
    if (text.trim() === '') {
      throw providerErrors.malformedResponse(GOOGLE_PROVIDER, 'the judge reply has no answer text');
    }
    return parseVerdict(GOOGLE_PROVIDER, text);
  });
}
