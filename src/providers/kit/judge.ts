/**
 * What every vision judge adapter shares: the question it asks, the verdict's JSON schema, and
 * reading the model's answer back. A judge looks at frames sampled from one take and says
 * whether they show the prompt (docs/qc.md#the-vision-judge). The vendor adapters
 * (`google/gemini-judge.ts`, `openai/openai-judge.ts`) speak the wire protocols; `../vision-judge.ts`
 * samples the frames and turns the verdict into a check.
 */
import { z } from 'zod';
import type { JudgeUsage } from '../../catalog/price.ts';
import { ShotrouterError } from '../../errors.ts';
import { providerErrors } from '../errors.ts';

/** What the judge answers, held to this schema by the provider's structured output. */
export interface JudgeVerdict {
  shows_prompt: boolean;
  /** 0..1: how sure the judge is of its answer */
  confidence: number;
  /** one sentence: what is shown, or what is missing */
  reason: string;
}

export interface JudgeRequest {
  /** the provider's own model id */
  modelId: string;
  /** what the take was generated from */
  prompt: string;
  /** JPEG frames in clip order */
  frames: readonly Uint8Array[];
  /** seconds into the clip of each frame (told to the model so it reads them as a sequence) */
  times: readonly number[];
  signal?: AbortSignal;
}

export interface JudgeReply {
  verdict: JudgeVerdict;
  usage: JudgeUsage;
}

/** The most a judge may write, reasoning included: a verdict needs a few dozen tokens. */
export const JUDGE_MAX_OUTPUT_TOKENS = 1024;

/** The standing instructions (the system prompt). */
export const JUDGE_INSTRUCTIONS =
  'You review takes of AI-generated video. You get still frames sampled in order from one clip ' +
  'and the prompt the clip was generated from. Decide whether the clip shows what the prompt ' +
  'asks for: its subject, its action and its setting. Do not judge style, image quality or ' +
  'small details. A clip that is blank, black, or shows something else does not show the ' +
  'prompt. Answer with shows_prompt, your confidence from 0 to 1, and one short sentence of ' +
  'reason that names what is shown or what is missing.';

/** The request's own text: the prompt, quoted, and where the frames come from. */
export function judgeQuestion(request: Pick<JudgeRequest, 'prompt' | 'times'>): string {
  const at = request.times.map((t) => `${t.toFixed(2)} s`).join(', ');
  return `Prompt: """${request.prompt}"""\nFrames (${request.times.length}, at ${at}) follow.`;
}

/** The verdict's JSON schema, in the JSON Schema subset both vendors accept. */
export const VERDICT_JSON_SCHEMA = {
  type: 'object',
  properties: {
    shows_prompt: { type: 'boolean', description: 'the frames show what the prompt asks for' },
    confidence: { type: 'number', minimum: 0, maximum: 1 },
    reason: { type: 'string', description: 'one sentence: what is shown or missing' },
  },
  required: ['shows_prompt', 'confidence', 'reason'],
  additionalProperties: false,
} as const;

const verdictSchema = z.object({
  shows_prompt: z.boolean(),
  confidence: z.number().min(0).max(1),
  reason: z.string().trim().min(1),
});

/**
 * The model's answer text as a verdict. Anything else (prose, JSON of another shape, a
 * confidence outside 0..1) is `malformed_response` quoting the start of what came back.
 */
export function parseVerdict(provider: string, text: string): JudgeVerdict {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw providerErrors.malformedResponse(
      provider,
      `the judge's answer is not JSON (${text.length} characters, starting ${quote(text)})`,
    );
  }
  const result = verdictSchema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const at = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
    throw providerErrors.malformedResponse(
      provider,
      `the judge's answer is not a verdict${at}: ${issue?.message ?? 'unexpected shape'} (${quote(text)})`,
    );
  }
  return result.data;
}

/** A short excerpt of an answer for an error message (the model's words; no secret is in them). */
function quote(text: string): string {
  return JSON.stringify(text.slice(0, 60));
}

/** Non-negative whole tokens from a usage field (absent: 0). */
export function judgeTokens(value: number | null | undefined): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.round(value) : 0;
}

/** What a failed judge call that was billed carries in its error's `details`. */
export interface BilledFailure {
  usage: JudgeUsage;
  /** set by ../vision-judge.ts, which knows the price */
  costUsd?: number;
}

/**
 * Reads the answer of a reply whose tokens the provider bills whatever the answer says: a
 * refused, cut-short or unreadable answer is thrown with the usage in `details`, so that the
 * money it cost is still counted.
 */
export function billedAnswer(usage: JudgeUsage, read: () => JudgeVerdict): JudgeReply {
  try {
    return { verdict: read(), usage };
  } catch (error) {
    if (!ShotrouterError.is(error)) throw error;
    throw withBilled(error, { usage });
  }
}

/** The same error with what it cost in `details`. */
export function withBilled(error: ShotrouterError, billed: BilledFailure): ShotrouterError {
  return new ShotrouterError(error.code, error.message, {
    retryable: error.retryable,
    ...(error.retryAfterSeconds === undefined
      ? {}
      : { retryAfterSeconds: error.retryAfterSeconds }),
    ...(error.cause === undefined ? {} : { cause: error.cause }),
    details: billed,
  });
}

/** The billed usage of a failed judge call, when the provider answered and billed it. */
export function billedFailureOf(error: unknown): BilledFailure | undefined {
  if (!ShotrouterError.is(error)) return undefined;
  const details = error.details as Partial<BilledFailure> | undefined;
  return details?.usage === undefined ? undefined : (details as BilledFailure);
}
