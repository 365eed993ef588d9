/**
 * The `openai` provider: Sora 2 models on the Videos API (see ./openai-video-model.ts).
 * Key: `OPENAI_API_KEY`; host `https://api.openai.com` unless overridden
 * (`SHOTROUTER_OPENAI_BASE_URL`, or `OPENAI_BASE_URL` as the openai SDK reads it), which is how
 * an OpenAI-compatible server such as a LiteLLM proxy is used (./credentials.ts).
 *
 * Limits (defaults; override through the options):
 * - concurrency 4: UNCONFIRMED, no official number for videos in flight;
 * - 25 requests a minute: the tier-1 figure for `sora-2` reported by third parties (tier 5:
 *   375), UNCONFIRMED officially; polls count too, so it also paces them;
 * - polls every 10 s: renders take minutes; the server's `openai-poll-after-ms` is honoured
 *   on top of that by the model.
 *
 * Lost starts (`lookup`): OpenAI documents no idempotency keys for `/v1/videos`, so the
 * adapter lists recent videos (`GET /v1/videos?order=desc`) for the one this start made: same
 * model, prompt, seconds and size, created since shortly before it was sent. One match:
 * started. Several: unknown (identical takes cannot be told apart). None on two looks a few
 * seconds apart: not started.
 *
 * Cost: the API reports none, so the plan's list price stands.
 */
import { z } from 'zod';
import { ShotrouterError } from '../../errors.ts';
import {
  type AdapterOptions,
  type ClientSetup,
  type Connection,
  connect,
  LOOKUP_SKEW_MS,
  signalOf,
} from '../adapter-kit.ts';
import { type HttpFailure, parseShape } from '../http.ts';
import { engineLimits, reconcileByLookup } from '../provider-info.ts';
import type { Provider, ReconcileInput } from '../types.ts';
import {
  buildVideoCreate,
  OPENAI_PROVIDER,
  type OpenAIOperation,
  OpenAIVideoModel,
  type Video,
  videoSchema,
} from './openai-video-model.ts';

const listSchema = z.object({
  data: z.array(videoSchema),
  has_more: z.boolean().nullish(),
  last_id: z.string().nullish(),
});

/** Pages of 100 videos looked at, at most, for a lost start. */
const MAX_LIST_PAGES = 10;

/** OpenAI's bearer key and error replies, for every model on it (Sora, judges). */
export const OPENAI_CLIENT: ClientSetup = {
  headers: ({ apiKey }) => ({ authorization: `Bearer ${apiKey}` }),
  mapError: (failure, apiKeyEnv) => mapOpenAIError(failure, apiKeyEnv ?? 'OPENAI_API_KEY'),
};

export function createOpenAIProvider(options: AdapterOptions = {}): Provider {
  const connection = connect(OPENAI_PROVIDER, options, OPENAI_CLIENT);
  const apiKeyEnv = connection.apiKeyEnv ?? 'OPENAI_API_KEY';
  const config = { connection, ...(options.fetch ? { fetch: options.fetch } : {}) };
  return {
    info: {
      id: OPENAI_PROVIDER,
      ...engineLimits(options, { concurrency: 4, requestsPerMinute: 25, pollIntervalMs: 10_000 }),
      apiKeyEnv,
      free: false,
      reconcileMethod: 'lookup',
      reconcileStart: reconcileByLookup(options, (input) => findLostStart(connection, input)),
    },
    model: (modelId) => new OpenAIVideoModel(modelId, config),
  };
}

/** Recent videos that the lost start could have made, as operation handles. */
async function findLostStart(
  connection: Connection,
  input: ReconcileInput,
): Promise<OpenAIOperation[]> {
  const { fields } = buildVideoCreate(input.model.modelId, input.request);
  const since = (Date.parse(input.sentAt) - LOOKUP_SKEW_MS) / 1000;
  const matches: OpenAIOperation[] = [];
  let after: string | undefined;
  for (let page = 0; page < MAX_LIST_PAGES; page++) {
    const reply = await connection.client().get('/v1/videos', {
      query: { order: 'desc', limit: 100, after },
      ...signalOf(input.abortSignal),
    });
    const list = parseShape(OPENAI_PROVIDER, listSchema, reply.body, 'video list');
    let older = false;
    for (const video of list.data) {
      if (video.created_at != null && video.created_at < since) {
        older = true;
        break;
      }
      if (sameRequest(video, fields)) matches.push({ videoId: video.id });
    }
    if (older || !list.has_more || !list.last_id) break;
    after = list.last_id;
  }
  return matches;
}

/** Whether a listed video is the one a create with these fields made. */
function sameRequest(video: Video, fields: Record<string, string>): boolean {
  if (video.model != null && video.model !== fields.model) return false;
  if (video.prompt != null && video.prompt !== fields.prompt) return false;
  if (
    fields.seconds !== undefined &&
    video.seconds != null &&
    String(video.seconds) !== fields.seconds
  ) {
    return false;
  }
  return !(fields.size !== undefined && video.size != null && video.size !== fields.size);
}

/**
 * OpenAI's error bodies (`{error: {message, type, code}}`): a 429 `insufficient_quota` is an
 * empty balance, not a rate limit; a moderation block is a refusal; a 403 (e.g. organization
 * not verified for Sora) keeps OpenAI's own explanation.
 */
export function mapOpenAIError(
  failure: HttpFailure,
  apiKeyEnv: string,
): ShotrouterError | undefined {
  const error = (failure.body as { error?: { code?: unknown; type?: unknown } } | undefined)?.error;
  const code = typeof error?.code === 'string' ? error.code : '';
  const type = typeof error?.type === 'string' ? error.type : '';
  if (code === 'insufficient_quota' || type === 'insufficient_quota') {
    return new ShotrouterError(
      'out_of_credit',
      `openai: the account has no quota left (${failure.message ?? 'insufficient_quota'})`,
    );
  }
  if (/moderation|content_policy|safety/.test(code)) {
    return new ShotrouterError(
      'content_refused',
      `openai refused the content: ${failure.message ?? code}`,
    );
  }
  if (failure.status === 403 && failure.message) {
    return new ShotrouterError(
      'authentication',
      `openai: access refused (${failure.message}); check ${apiKeyEnv}`,
    );
  }
  return undefined;
}
