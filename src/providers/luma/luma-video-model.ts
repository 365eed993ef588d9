/**
 * Luma as an AI SDK video model: the Dream Machine API for Ray 2 and the Agents API for the
 * Ray 3 family (./luma-api.ts). Neither API takes an idempotency key. A Dream Machine start
 * whose reply was lost is looked up among the recent generations by its request echo; an
 * Agents API one cannot be (there is no list), so it stays `unknown`.
 */
import type { JSONObject, JSONValue } from '@ai-sdk/provider';
import { z } from 'zod';
import {
  type Connection,
  failedStatus,
  operationOf,
  responseInfo,
  signalOf,
  throwIfAborted,
  timeOf,
} from '../adapter-kit.ts';
import { ConnectedVideoModel, completedAtUrl, type StartResult } from '../connected-video-model.ts';
import { providerErrors } from '../errors.ts';
import { parseShape } from '../http.ts';
import type { ReconcileInput, VideoCallOptions, VideoStatus } from '../types.ts';
import {
  AgentsGenerationSchema,
  agentsOutcome,
  buildLumaRequest,
  DreamMachineGenerationSchema,
  DreamMachineListSchema,
  dreamMachineOutcome,
  LUMA_PROVIDER,
  type LumaApi,
  type LumaOutcome,
  lumaApiOf,
} from './luma-api.ts';

/** The operation handle: the generation and the API that holds it. */
export interface LumaOperation extends JSONObject {
  generationId: string;
  api: LumaApi;
}

const CreatedSchema = z.looseObject({ id: z.string().min(1) });

/**
 * Generations created this long before the lost start count as candidates. Narrower than the
 * usual skew: a Dream Machine request carries nothing unique (no seed), so an identical earlier
 * take must fall outside the window rather than be taken for ours.
 */
const DM_LOOKUP_SKEW_MS = 30_000;

/** Fields of a Dream Machine request that its echo must repeat for a generation to be ours. */
const ECHOED = ['model', 'prompt', 'duration', 'resolution', 'aspect_ratio'] as const;

/** A Luma model: `connection` is its own API's; handles and lookups may name either API. */
export class LumaVideoModel extends ConnectedVideoModel {
  readonly provider = LUMA_PROVIDER;
  readonly api: LumaApi;
  private readonly connections: Record<LumaApi, Connection>;

  constructor(modelId: string, connections: Record<LumaApi, Connection>) {
    super(modelId, connections[lumaApiOf(modelId)]);
    this.api = lumaApiOf(modelId);
    this.connections = connections;
  }

  async doStart(options: VideoCallOptions): Promise<StartResult> {
    throwIfAborted(this.provider, options.abortSignal);
    const { path, body, warnings } = buildLumaRequest(this.modelId, options);
    const reply = await this.connection.client().post(path, body, signalOf(options.abortSignal));
    const { id } = parseShape(this.provider, CreatedSchema, reply.body, 'generation creation');
    const operation: LumaOperation = { generationId: id, api: this.api };
    return this.started(operation, warnings, { luma: { generationId: id } }, reply.headers);
  }

  async doStatus(options: { operation: unknown; abortSignal?: AbortSignal }): Promise<VideoStatus> {
    const op = lumaOperation(options.operation);
    const connection = this.connections[op.api];
    const id = encodeURIComponent(op.generationId);
    const path = op.api === 'agents' ? `/generations/${id}` : `/dream-machine/v1/generations/${id}`;
    const reply = await connection.client().get(path, signalOf(options.abortSignal));
    const outcome: LumaOutcome | undefined =
      op.api === 'agents'
        ? agentsOutcome(parseShape(this.provider, AgentsGenerationSchema, reply.body, 'generation'))
        : dreamMachineOutcome(
            parseShape(this.provider, DreamMachineGenerationSchema, reply.body, 'generation'),
          );
    if (!outcome) throw providerErrors.malformedResponse(this.provider, 'unknown generation state');
    const response = responseInfo(this.modelId, reply.headers, connection.now);
    const metadata = { luma: { generationId: op.generationId } };
    if (outcome.state === 'pending')
      return { status: 'pending', providerMetadata: metadata, response };
    if (outcome.state === 'completed') return completedAtUrl(outcome.url, metadata, response);
    return failedStatus(
      this.modelId,
      `generation ${op.generationId} failed: ${outcome.message}`,
      outcome.code,
      { generationId: op.generationId },
      connection.now,
    );
  }

  /** Deletes a Dream Machine generation (the Agents API has no delete). Not in the AI SDK interface. */
  async cancel(operation: unknown, signal?: AbortSignal): Promise<void> {
    const op = lumaOperation(operation);
    if (op.api !== 'dream-machine') {
      throw providerErrors.invalidRequest(
        this.provider,
        'the Agents API cannot cancel a generation',
      );
    }
    await this.connections['dream-machine']
      .client()
      .request(`/dream-machine/v1/generations/${encodeURIComponent(op.generationId)}`, {
        method: 'DELETE',
        ...signalOf(signal),
      });
  }

  /** Recent Dream Machine generations whose request echo is the lost start's. */
  async findLostStart(input: ReconcileInput): Promise<JSONValue[]> {
    const { body } = buildLumaRequest(this.modelId, input.request);
    const since = (timeOf(input.sentAt) ?? 0) - DM_LOOKUP_SKEW_MS;
    const reply = await this.connections['dream-machine']
      .client()
      .get('/dream-machine/v1/generations', {
        query: { limit: 100, offset: 0 },
        ...signalOf(input.abortSignal),
      });
    const list = parseShape(this.provider, DreamMachineListSchema, reply.body, 'generation list');
    return list.generations
      .filter((generation) => {
        if ((timeOf(generation.created_at) ?? since) < since) return false;
        const echo = generation.request ?? {};
        return ECHOED.every(
          (field) =>
            body[field] === undefined || echo[field] === undefined || echo[field] === body[field],
        );
      })
      .map((generation): LumaOperation => ({ generationId: generation.id, api: 'dream-machine' }));
  }
}

function lumaOperation(operation: unknown): LumaOperation {
  return operationOf<LumaOperation>(
    LUMA_PROVIDER,
    operation,
    (o) => typeof o.generationId === 'string' && (o.api === 'agents' || o.api === 'dream-machine'),
    'a Luma generation',
  );
}
