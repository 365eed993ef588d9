/**
 * An OpenAI model as a vision judge on the Responses API: one `POST /v1/responses` with the
 * frames as JPEG data URLs at low detail, the verdict held to a strict JSON schema
 * (`text.format`), reasoning effort low and nothing stored. Cost comes from `usage`
 * (`input_tokens` in, `output_tokens` out, reasoning included).
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
import { OPENAI_PROVIDER } from './openai-video-model.ts';

const replySchema = z.object({
  status: z.string().nullish(),
  incomplete_details: z.object({ reason: z.string().nullish() }).nullish(),
  output: z.array(
    z.object({
      type: z.string(),
      content: z
        .array(
          z.object({
            type: z.string(),
            text: z.string().nullish(),
            refusal: z.string().nullish(),
          }),
        )
        .nullish(),
    }),
  ),
  usage: z.object({ input_tokens: z.number(), output_tokens: z.number() }),
});

/** The `/v1/responses` body for a judge request. */
export function buildOpenAIJudgeRequest(request: JudgeRequest): Record<string, unknown> {
  return {
    model: request.modelId,
    instructions: JUDGE_INSTRUCTIONS,
    input: [
      {
        role: 'user',
        content: [
          { type: 'input_text', text: judgeQuestion(request) },
          ...request.frames.map((frame) => ({
            type: 'input_image',
            image_url: `data:image/jpeg;base64,${toBase64(frame)}`,
            detail: 'low',
          })),
        ],
      },
    ],
    text: {
      format: {
        type: 'json_schema',
        name: 'take_verdict',
        strict: true,
        schema: VERDICT_JSON_SCHEMA,
      },
    },
    reasoning: { effort: 'low' },
    max_output_tokens: JUDGE_MAX_OUTPUT_TOKENS,
    store: false,
  };
}

export async function callOpenAIJudge(
  connection: Connection,
  request: JudgeRequest,
): Promise<JudgeReply> {
  const reply = await connection
    .client()
    .post('/v1/responses', buildOpenAIJudgeRequest(request), signalOf(request.signal));
  const body = parseShape(OPENAI_PROVIDER, replySchema, reply.body, 'judge reply');
  const usage = {
    inputTokens: judgeTokens(body.usage.input_tokens),
    outputTokens: judgeTokens(body.usage.output_tokens),
  };
  return billedAnswer(usage, () => {
    const content = body.output.flatMap((item) =>
      item.type === 'message' ? (item.content ?? []) : [],
    );
    const refusal = content.find((part) => part.type === 'refusal');
    if (refusal) throw providerErrors.contentRefused(OPENAI_PROVIDER, refusal.refusal ?? 'refused');
    if (body.status === 'incomplete') {
      const reason = body.incomplete_details?.reason ?? 'unknown';
      if (reason === 'content_filter') {
        throw providerErrors.contentRefused(OPENAI_PROVIDER, 'the answer was filtered');
      }
      throw providerErrors.malformedResponse(
        OPENAI_PROVIDER,
        `the judge's answer is incomplete (${reason})`,
      );
    }
    const text = content
      .filter((part) => part.type === 'output_text')
      .map((part) => part.text ?? '')
      .join('');
    if (text.trim() === '') {
      throw providerErrors.malformedResponse(OPENAI_PROVIDER, 'the judge reply has no answer text');
    }
    return parseVerdict(OPENAI_PROVIDER, text);
  });
}
