/**
 * The board's client for the HTTP API: typed with the server's own zod schemas (types only;
 * nothing of the server is bundled), the access token (kept in localStorage; from the address,
 * `?token=…` or `#token=…`, once, or typed in the token field), and errors as the API's JSON
 * `{error: {code, message, problems?}}`.
 */
import type { z } from 'zod';
import type {
  ExampleListSchema,
  IdentitySchema,
  ModelListSchema,
  OverviewSchema,
  PackageMadeSchema,
  PlanResponseSchema,
  PlanSchema,
  ProblemSchema,
  ProjectListSchema,
  ShotHistorySchema,
  StartedRunSchema,
  TakeCommentSchema,
} from '../server/schemas.ts';

export type Overview = z.output<typeof OverviewSchema>;
export type Plan = z.output<typeof PlanSchema>;
export type PlannedShot = Plan['shots'][number];
export type ShotCard = Overview['shots'][number];
export type RunInfo = Overview['run'];
export type PlanResponse = z.output<typeof PlanResponseSchema>;
export type Problem = z.output<typeof ProblemSchema>;
export type Example = z.output<typeof ExampleListSchema>['examples'][number];
export type Model = z.output<typeof ModelListSchema>['models'][number];
export type ProjectMeta = z.output<typeof ProjectListSchema>['projects'][number];
export type StartedRun = z.output<typeof StartedRunSchema>;
export type Identity = z.output<typeof IdentitySchema>;
export type Role = Identity['role'];
export type ShotHistory = z.output<typeof ShotHistorySchema>;
export type TakeComment = z.output<typeof TakeCommentSchema>;
export type ShotReview = Overview['review']['reviews'][number];
export type PackageMade = z.output<typeof PackageMadeSchema>;

/** What a role may do on the board (the server checks the same; this only hides controls). */
export interface Allowed {
  /** comment, review, pick, change the plan, preview, package */
  edit: boolean;
  /** start runs that spend, change the budget */
  spend: boolean;
}

export function allowedFor(role: Role): Allowed {
  return { edit: role !== 'viewer', spend: role === 'producer' };
}
/** Plan changes as the API takes them. */
export interface Changes {
  budget_usd?: number | null;
  optimize?: 'quality' | 'cost' | 'speed' | 'balanced';
  shots?: Record<
    string,
    {
      model?: string | null;
      tags?: string[];
      priority?: 'hero' | 'normal' | 'draft';
      prompt?: string;
    }
  >;
}

export class ApiFailure extends Error {
  readonly code: string;
  readonly status: number;
  readonly problems: Problem[];
  readonly details: Record<string, unknown>;

  constructor(
    status: number,
    body: {
      code?: string;
      message?: string;
      problems?: Problem[];
      details?: Record<string, unknown>;
    },
  ) {
    super(body.message ?? `HTTP ${status}`);
    this.code = body.code ?? 'http_error';
    this.status = status;
    this.problems = body.problems ?? [];
    this.details = body.details ?? {};
  }
}

const TOKEN_KEY = 'shotrouter.token';

/**
 * Takes a token given once in the address (`?token=…` or `#token=…`), keeps it, and removes it
 * from the address bar (so it is not bookmarked or shared); else the one kept before.
 */
export function initialToken(): string | null {
  const query = new URLSearchParams(location.search);
  const hash = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  const given = query.get('token') ?? (hash ? decodeURIComponent(hash[1]!) : null);
  if (given) {
    setToken(given);
    query.delete('token');
    const rest = query.toString();
    history.replaceState(null, '', location.pathname + (rest ? `?${rest}` : ''));
  }
  return storedToken();
}

export function storedToken(): string | null {
  try {
    return localStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

/** Keeps the token for this browser (an empty one forgets it). */
export function setToken(token: string): void {
  if (token) localStorage.setItem(TOKEN_KEY, token);
  else localStorage.removeItem(TOKEN_KEY);
}

function authHeaders(): Record<string, string> {
  const token = storedToken();
  return token ? { authorization: `Bearer ${token}` } : {};
}

export async function api<T>(
  path: string,
  init: { method?: string; json?: unknown; form?: FormData; timeoutMs?: number } = {},
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...authHeaders() };
  let body: BodyInit | undefined;
  if (init.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(init.json);
  } else if (init.form) {
    body = init.form;
  }
  let response: Response;
  try {
    response = await fetch(path, {
      method: init.method ?? 'GET',
      headers,
      ...(body ? { body } : {}),
      ...(init.timeoutMs ? { signal: AbortSignal.timeout(init.timeoutMs) } : {}),
    });
  } catch (e) {
    throw new ApiFailure(0, {
      code: 'offline',
      message:
        e instanceof DOMException && e.name === 'TimeoutError'
          ? 'the server did not answer in time'
          : 'the server cannot be reached',
    });
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!response.ok) {
    const error = (json as { error?: ConstructorParameters<typeof ApiFailure>[1] } | undefined)
      ?.error;
    throw new ApiFailure(response.status, error ?? { message: `HTTP ${response.status}` });
  }
  return json as T;
}

/** Media elements and event streams cannot send headers: trade the token for a session cookie. */
export async function openSession(): Promise<void> {
  if (storedToken()) await api('/api/session', { method: 'POST' });
}

export const money = (usd: number): string =>
  `$${usd.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

/** A time in a clip, e.g. `0:03.2`. */
export const clock = (s: number): string => {
  const m = Math.floor(s / 60);
  const rest = (s - m * 60).toFixed(1).padStart(4, '0');
  return `${m}:${rest}`;
};

export const seconds = (s: number): string => {
  if (s < 60) return `${Math.round(s * 10) / 10} s`;
  const m = Math.floor(s / 60);
  const rest = Math.round(s % 60);
  return m < 60 ? `${m} min${rest ? ` ${rest} s` : ''}` : `${Math.floor(m / 60)} h ${m % 60} min`;
};
