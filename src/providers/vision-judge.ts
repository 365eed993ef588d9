/**
 * The vision judge, optional and off by default (docs/qc.md#the-vision-judge): frames sampled
 * from a take are shown to a catalog model of `kind: judge` with the prompt, and its verdict
 * becomes a take check (`code: 'judge'`) with the call's cost. The engine and `shotrouter qc
 * --judge` call `visionJudge`; budgets reserve `estimateVisionJudgeUsd` before the call.
 *
 * Order, for money's sake: the route and the credentials are checked and the frames are sampled
 * before anything is sent, so a call is only paid for when its answer can be used.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type JudgeUsage, judgeCostUsd, judgeEstimateUsd } from '../catalog/price.ts';
import type { JudgeCard, JudgeProviderId, JudgeRoute } from '../catalog/schema.ts';
import { ShotrouterError } from '../errors.ts';
import { extractFrame } from '../media/frame.ts';
import { probe } from '../media/probe.ts';
import {
  type AdapterOptions,
  billedFailureOf,
  type ClientSetup,
  type Connection,
  connect,
  withBilled,
} from './adapter-kit.ts';
import { callGeminiJudge, GOOGLE_CLIENT } from './google/index.ts';
import {
  JUDGE_INSTRUCTIONS,
  JUDGE_MAX_OUTPUT_TOKENS,
  type JudgeReply,
  type JudgeRequest,
  type JudgeVerdict,
  judgeQuestion,
} from './kit/judge.ts';
import { callOpenAIJudge, OPENAI_CLIENT } from './openai/index.ts';

export type { JudgeVerdict } from './kit/judge.ts';

/** Frames shown to the judge unless told otherwise: enough to see the action, cheap to send. */
export const DEFAULT_JUDGE_FRAMES = 4;

/** The longest side of a sampled frame, in pixels (small: a judge needs the subject, not detail). */
export const JUDGE_FRAME_SIZE = 384;

/** The judge's answer as a take check; the same shape as `qc/`'s `Check`. */
export interface JudgeCheck {
  code: 'judge';
  /** the judge says the take shows the prompt */
  ok: boolean;
  /** the judge's confidence in its answer, 0..1 */
  value: number;
  limit: null;
  /** the model and its one-sentence reason */
  message: string;
}

export interface VisionJudgeInput {
  /** the take, a local video file */
  clip: string;
  /** the prompt the take was generated from */
  prompt: string;
  /** the judge's card (`catalog.judgesById.get(id)`) */
  card: JudgeCard;
  /** which of the card's routes (default: its first) */
  route?: JudgeRoute;
  /** frames to sample, evenly over the clip (default 4; at most the card's `max_images`) */
  frames?: number;
  /**
   * credentials and where they come from, as for the video adapters: `env` (default
   * `process.env`, where `SHOTROUTER_SANDBOX_URL` points every provider at the sandbox),
   * `credentials`, `fetch`, `timeoutMs`
   */
  adapter?: AdapterOptions;
  signal?: AbortSignal;
}

export interface VisionJudgeResult {
  check: JudgeCheck;
  verdict: JudgeVerdict;
  /** what the call cost: the reply's usage at the route's list price */
  costUsd: number;
  usage: JudgeUsage;
  provider: JudgeProviderId;
  /** the provider's own model id */
  model: string;
  /** seconds into the clip of each frame shown */
  frameTimes: number[];
}

/** One adapter per provider: the client setup and the call. */
export const JUDGE_ADAPTERS: Record<
  JudgeProviderId,
  {
    client: ClientSetup;
    call(connection: Connection, request: JudgeRequest): Promise<JudgeReply>;
  }
> = {
  google: { client: GOOGLE_CLIENT, call: callGeminiJudge },
  openai: { client: OPENAI_CLIENT, call: callOpenAIJudge },
};

/**
 * Samples the take, asks the judge, and returns its verdict as a check with the call's cost.
 * Throws ShotrouterError: `usage` for a bad frame count or route, `authentication` when the
 * provider has no credentials (before any frame is read), `media_failed` when the clip cannot
 * be read, and the provider error codes of the call (src/providers/errors.ts).
 */
export async function visionJudge(input: VisionJudgeInput): Promise<VisionJudgeResult> {
  const route = input.route ?? input.card.routes[0]!;
  if (!input.card.routes.some((r) => r.provider === route.provider && r.model === route.model)) {
    throw new ShotrouterError(
      'usage',
      `the judge ${input.card.id} has no route ${route.provider} ${route.model}`,
    );
  }
  const count = judgeFrameCount(input.card, input.frames);
  const adapter = JUDGE_ADAPTERS[route.provider];
  const connection = connect(route.provider, input.adapter ?? {}, adapter.client);
  // fails now, naming the variable to set, when the provider has no credentials
  connection.client();
  const { frames, times } = await sampleFrames(input.clip, count, input.signal);
  let reply: JudgeReply;
  try {
    reply = await adapter.call(connection, {
      modelId: route.model,
      prompt: input.prompt,
      frames,
      times,
      ...(input.signal ? { signal: input.signal } : {}),
    });
  } catch (error) {
    // an answer that could not be used was still billed: say what it cost
    const billed = billedFailureOf(error);
    if (billed === undefined || !ShotrouterError.is(error)) throw error;
    throw withBilled(error, { ...billed, costUsd: judgeCostUsd(route.price.value, billed.usage) });
  }
  const { verdict } = reply;
  const said = verdict.shows_prompt ? 'shows the prompt' : 'does not show the prompt';
  return {
    check: {
      code: 'judge',
      ok: verdict.shows_prompt,
      value: verdict.confidence,
      limit: null,
      message: `${input.card.id} says the take ${said} (confidence ${verdict.confidence.toFixed(2)}): ${verdict.reason}`,
    },
    verdict,
    costUsd: judgeCostUsd(route.price.value, reply.usage),
    usage: reply.usage,
    provider: route.provider,
    model: route.model,
    frameTimes: times,
  };
}

/**
 * What a failed `visionJudge` call cost, when the provider answered and billed it (a refused,
 * cut-short or unreadable answer); undefined when nothing was billed (the call never got an
 * answer, or failed before it was sent). What the engine adds to the spend of a failed judge.
 */
export function judgeSpendOf(error: unknown): number | undefined {
  return billedFailureOf(error)?.costUsd;
}

/**
 * The most one judge call on this route should cost (what a budget reserves before it): the
 * frames at the card's tokens per image, the instructions and prompt, and the output cap.
 */
export function estimateVisionJudgeUsd(
  route: JudgeRoute,
  prompt: string,
  frames: number = DEFAULT_JUDGE_FRAMES,
): number {
  const times = Array.from({ length: frames }, () => 0);
  const textChars = JUDGE_INSTRUCTIONS.length + judgeQuestion({ prompt, times }).length;
  return judgeEstimateUsd(route, {
    images: frames,
    textChars,
    maxOutputTokens: JUDGE_MAX_OUTPUT_TOKENS,
  });
}

/** The frames to sample: `asked` (default 4) when the card takes that many; else `usage`. */
export function judgeFrameCount(card: JudgeCard, asked: number | undefined): number {
  const count = asked ?? DEFAULT_JUDGE_FRAMES;
  const most = card.capabilities.max_images.value;
  if (!Number.isInteger(count) || count < 1 || count > most) {
    throw new ShotrouterError(
      'usage',
      `the judge ${card.id} looks at 1 to ${most} frames; ${String(asked)} were asked`,
    );
  }
  return count;
}

/**
 * `count` JPEG frames at the middles of equal parts of the clip, the long side scaled to
 * JUDGE_FRAME_SIZE. Written to a temporary folder, read, and the folder removed.
 */
async function sampleFrames(
  clip: string,
  count: number,
  signal: AbortSignal | undefined,
): Promise<{ frames: Uint8Array[]; times: number[] }> {
  const info = await probe(clip, signal);
  const landscape = info.width >= info.height;
  const width = landscape
    ? Math.min(JUDGE_FRAME_SIZE, evenFloor(info.width))
    : Math.max(2, evenFloor((JUDGE_FRAME_SIZE * info.width) / info.height));
  const times = Array.from(
    { length: count },
    (_, i) => Math.round(((i + 0.5) / count) * info.durationSeconds * 1000) / 1000,
  );
  const dir = await mkdtemp(path.join(os.tmpdir(), 'shotrouter-judge-'));
  try {
    // in parallel: media/ bounds how many ffmpeg processes run at once
    const frames = await Promise.all(
      times.map(async (atSeconds, i) => {
        const output = path.join(dir, `frame-${i}.jpg`);
        await extractFrame({
          input: clip,
          atSeconds,
          output,
          width,
          ...(signal ? { signal } : {}),
        });
        return new Uint8Array(await readFile(output));
      }),
    );
    return { frames, times };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function evenFloor(value: number): number {
  return Math.max(2, Math.floor(value / 2) * 2);
}
