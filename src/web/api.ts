/**
 * The board's client for the HTTP API: typed with the server's own zod schemas (types only;
 * nothing of the server is bundled), the access token from the address (#token=…) or a prompt,
 * and errors as the API's JSON `{error: {code, message, problems?}}`.
 */
import type { z } from 'zod';
import type {
  ExampleListSchema,
  ModelListSchema,
  OverviewSchema,
  PlanResponseSchema,
  PlanSchema,
  ProblemSchema,
  ProjectListSchema,
  StartedRunSchema,
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

/** Plan changes as the API takes them. */
export interface Changes {
  budget_usd?: number | null;
  optimize?: 'quality' | 'cost' | 'speed' | 'balanced';
  shots?: Record<
    string,
    { model?: string | null; tags?: string[]; priority?: 'hero' | 'normal' | 'draft' }
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

/** Takes a token from `#token=…` (then removes it from the address bar) or the session. */
export function initialToken(): string | null {
  const match = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (match) {
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1]!));
    history.replaceState(null, '', location.pathname + location.search);
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token);
}

function authHeaders(): Record<string, string> {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return token ? { authorization: `Bearer ${token}` } : {};
}

export async function api<T>(
  path: string,
  init: { method?: string; json?: unknown; form?: FormData } = {},
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
    });
  } catch {
    throw new ApiFailure(0, { code: 'offline', message: 'the server cannot be reached' });
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
  if (sessionStorage.getItem(TOKEN_KEY)) await api('/api/session', { method: 'POST' });
}

export const money = (usd: number): string =>
  `$${usd.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

export const seconds = (s: number): string => {
  if (s < 60) return `${Math.round(s * 10) / 10} s`;
  const m = Math.floor(s / 60);
  const rest = Math.round(s % 60);
  return m < 60 ? `${m} min${rest ? ` ${rest} s` : ''}` : `${Math.floor(m / 60)} h ${m % 60} min`;
};
