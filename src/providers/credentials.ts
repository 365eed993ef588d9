/**
 * Where each provider's credentials and base URL come from, and how secrets are kept out of
 * text. Adapters call `credentialsFor`; everything else (plan checks, `models`, logs) uses
 * `configuredProviders`, `missingCredentialHint` and `redact`, which never return a secret.
 *
 * Sources, first match wins for each value:
 * 1. the environment, under the provider's usual variable names (table below; for a value
 *    with several names, the first one set is used);
 * 2. a credentials file: `$SHOTROUTER_CREDENTIALS`, else
 *    `$XDG_CONFIG_HOME/shotrouter/credentials.json`, else `~/.config/shotrouter/credentials.json`.
 *    It maps provider id → values, keyed by variable name or by value name:
 *    `{"kling": {"KLING_ACCESS_KEY": "…", "KLING_SECRET_KEY": "…"}, "openai": {"apiKey": "…",
 *    "baseUrl": "http://litellm:4000"}}`. Keep it private (chmod 600).
 *
 * | provider  | values (env variables)                                                              | default base URL                                 |
 * |-----------|-------------------------------------------------------------------------------------|--------------------------------------------------|
 * | openai    | apiKey (OPENAI_API_KEY)                                                             | https://api.openai.com (also OPENAI_BASE_URL minus `/v1`) |
 * | google    | apiKey (GEMINI_API_KEY, GOOGLE_API_KEY, GOOGLE_GENERATIVE_AI_API_KEY)               | https://generativelanguage.googleapis.com       |
 * | vertex    | project (GOOGLE_VERTEX_PROJECT, GOOGLE_CLOUD_PROJECT), location (GOOGLE_VERTEX_LOCATION, GOOGLE_CLOUD_LOCATION; default us-central1), accessToken (GOOGLE_VERTEX_ACCESS_TOKEN) | https://{location}-aiplatform.googleapis.com (global: https://aiplatform.googleapis.com) |
 * | kling     | accessKey (KLING_ACCESS_KEY), secretKey (KLING_SECRET_KEY)                          | https://api-singapore.klingai.com               |
 * | runway    | apiKey (RUNWAYML_API_SECRET)                                                        | https://api.dev.runwayml.com                     |
 * | luma      | apiKey (LUMAAI_API_KEY)                                                             | https://api.lumalabs.ai                          |
 * | byteplus  | apiKey (ARK_API_KEY, BYTEPLUS_API_KEY)                                              | https://ark.ap-southeast.bytepluses.com          |
 * | fal       | apiKey (FAL_KEY)                                                                    | https://queue.fal.run                            |
 * | replicate | apiKey (REPLICATE_API_TOKEN)                                                        | https://api.replicate.com                        |
 * | comfyui   | url (COMFYUI_URL) — the server itself is the base URL; no secret                    | (none: set COMFYUI_URL)                          |
 * | minimax   | apiKey (MINIMAX_API_KEY)                                                            | https://api.minimax.io                           |
 * | dashscope | apiKey (DASHSCOPE_API_KEY)                                                          | https://dashscope-intl.aliyuncs.com              |
 * | ltx       | apiKey (LTX_API_KEY)                                                                | https://api.ltx.video                            |
 * | elevenlabs | apiKey (ELEVENLABS_API_KEY) — text to speech only                                  | https://api.elevenlabs.io                        |
 *
 * Vertex takes a ready OAuth access token rather than a service-account key because minting one
 * needs Google's auth library or the gcloud CLI, neither of which this project ships; get one
 * with `gcloud auth print-access-token` (it lasts about an hour) wherever gcloud is installed.
 *
 * Base URLs are the host root the provider's paths hang off (what the sandbox prefixes stand
 * for, docs/sandbox.md): adapters append `/v1/videos`, `/v1beta/models/…`, etc.
 * Overrides, strongest first:
 * - `SHOTROUTER_<PROVIDER>_BASE_URL` (e.g. `SHOTROUTER_OPENAI_BASE_URL=http://litellm:4000`
 *   for an OpenAI-compatible proxy), or `baseUrl` in the credentials file;
 * - `SHOTROUTER_SANDBOX_URL=http://127.0.0.1:PORT`: every provider goes to `<url>/<provider>`
 *   with placeholder credentials the sandbox accepts. Real credentials are never sent there,
 *   even when they are set, so a rehearsal cannot leak them.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { PROVIDERS } from '../catalog/schema.ts';
import { ShotrouterError } from '../errors.ts';
import { configDir } from '../util/config-dir.ts';
import { redactText } from './http.ts';

/**
 * Every provider of the catalog has credentials (ComfyUI's is its URL), and so do the
 * text-to-speech-only providers (ElevenLabs), which no video route names.
 */
export const CREDENTIAL_PROVIDERS = [...PROVIDERS, 'elevenlabs'] as const;

export type CredentialProvider = (typeof CREDENTIAL_PROVIDERS)[number];

export type Env = Record<string, string | undefined>;

/** What an adapter gets: its values, base URL, and what to redact. */
export interface ProviderCredentials {
  provider: CredentialProvider;
  /** the values by name (`apiKey`; `accessKey` + `secretKey`; `project` + `location` + `accessToken`; `url`) */
  values: Record<string, string>;
  /** host root of the API, no trailing slash */
  baseUrl: string;
  /**
   * The variable to name when the provider refuses the credentials: the one the main secret
   * came from (or its first usual name when it came from the file or the sandbox).
   */
  apiKeyEnv: string | undefined;
  /** every secret value among `values`, for the HTTP client's redaction */
  secrets: string[];
  /** true when pointed at the sandbox (placeholder credentials) */
  sandbox: boolean;
}

interface ValueSpec {
  /** environment variable names, in order of preference */
  env: readonly string[];
  secret: boolean;
  /** used when no source sets it; a value with a default is never missing */
  fallback?: string;
  /** placeholder used against the sandbox */
  sandbox: string;
  /** said in the "missing" hint, e.g. how to obtain it */
  hint?: string;
}

interface ProviderSpec {
  values: Record<string, ValueSpec>;
  /** the value whose variable authentication errors name */
  main: string;
  defaultBaseUrl: (values: Record<string, string>) => string | undefined;
  /** more names for the base URL override besides SHOTROUTER_<PROVIDER>_BASE_URL */
  baseUrlEnv?: readonly string[];
}

const apiKey = (...env: string[]): Record<string, ValueSpec> => ({
  apiKey: { env, secret: true, sandbox: 'sandbox-key' },
});

/** The sandbox's Kling keys (src/sandbox/server.ts DEFAULT_KLING_KEYS). */
const SANDBOX_KLING = { accessKey: 'sandbox-ak', secretKey: 'sandbox-sk' };

const SPECS: Record<CredentialProvider, ProviderSpec> = {
  openai: {
    values: apiKey('OPENAI_API_KEY'),
    main: 'apiKey',
    defaultBaseUrl: () => 'https://api.openai.com',
    // the openai SDK's variable includes the `/v1` path, which the adapter adds itself
    baseUrlEnv: ['OPENAI_BASE_URL'],
  },
  google: {
    values: apiKey('GEMINI_API_KEY', 'GOOGLE_API_KEY', 'GOOGLE_GENERATIVE_AI_API_KEY'),
    main: 'apiKey',
    defaultBaseUrl: () => 'https://generativelanguage.googleapis.com',
  },
  vertex: {
    values: {
      project: {
        env: ['GOOGLE_VERTEX_PROJECT', 'GOOGLE_CLOUD_PROJECT'],
        secret: false,
        sandbox: 'sandbox-project',
      },
      location: {
        env: ['GOOGLE_VERTEX_LOCATION', 'GOOGLE_CLOUD_LOCATION'],
        secret: false,
        fallback: 'us-central1',
        sandbox: 'us-central1',
      },
      accessToken: {
        env: ['GOOGLE_VERTEX_ACCESS_TOKEN'],
        secret: true,
        sandbox: 'sandbox-token',
        hint: 'an OAuth token from `gcloud auth print-access-token`, valid about an hour',
      },
    },
    main: 'accessToken',
    defaultBaseUrl: ({ location }) =>
      location === 'global'
        ? 'https://aiplatform.googleapis.com'
        : `https://${location}-aiplatform.googleapis.com`,
  },
  kling: {
    values: {
      accessKey: { env: ['KLING_ACCESS_KEY'], secret: true, sandbox: SANDBOX_KLING.accessKey },
      secretKey: { env: ['KLING_SECRET_KEY'], secret: true, sandbox: SANDBOX_KLING.secretKey },
    },
    main: 'secretKey',
    defaultBaseUrl: () => 'https://api-singapore.klingai.com',
  },
  runway: {
    values: apiKey('RUNWAYML_API_SECRET'),
    main: 'apiKey',
    defaultBaseUrl: () => 'https://api.dev.runwayml.com',
  },
  luma: {
    values: apiKey('LUMAAI_API_KEY'),
    main: 'apiKey',
    defaultBaseUrl: () => 'https://api.lumalabs.ai',
  },
  byteplus: {
    values: apiKey('ARK_API_KEY', 'BYTEPLUS_API_KEY'),
    main: 'apiKey',
    defaultBaseUrl: () => 'https://ark.ap-southeast.bytepluses.com',
  },
  fal: { values: apiKey('FAL_KEY'), main: 'apiKey', defaultBaseUrl: () => 'https://queue.fal.run' },
  replicate: {
    values: apiKey('REPLICATE_API_TOKEN'),
    main: 'apiKey',
    defaultBaseUrl: () => 'https://api.replicate.com',
  },
  minimax: {
    values: apiKey('MINIMAX_API_KEY'),
    main: 'apiKey',
    // the international host; mainland-China accounts use https://api.minimaxi.com
    defaultBaseUrl: () => 'https://api.minimax.io',
  },
  dashscope: {
    values: apiKey('DASHSCOPE_API_KEY'),
    main: 'apiKey',
    // Model Studio's Singapore (international) host; Beijing is https://dashscope.aliyuncs.com
    defaultBaseUrl: () => 'https://dashscope-intl.aliyuncs.com',
  },
  ltx: {
    values: apiKey('LTX_API_KEY'),
    main: 'apiKey',
    defaultBaseUrl: () => 'https://api.ltx.video',
  },
  elevenlabs: {
    values: apiKey('ELEVENLABS_API_KEY'),
    main: 'apiKey',
    defaultBaseUrl: () => 'https://api.elevenlabs.io',
  },
  comfyui: {
    values: { url: { env: ['COMFYUI_URL'], secret: false, sandbox: '' } },
    main: 'url',
    defaultBaseUrl: ({ url }) => url,
  },
};

export function isCredentialProvider(id: string): id is CredentialProvider {
  return Object.hasOwn(SPECS, id);
}

/** The variable that overrides a provider's base URL: `SHOTROUTER_OPENAI_BASE_URL`, … */
export function baseUrlVariable(provider: CredentialProvider): string {
  return `SHOTROUTER_${provider.toUpperCase()}_BASE_URL`;
}

/** The usual environment variable names of a provider's values, by value name. */
export function credentialVariables(
  provider: CredentialProvider,
): Record<string, readonly string[]> {
  return Object.fromEntries(
    Object.entries(SPECS[provider].values).map(([name, v]) => [name, v.env]),
  );
}

/**
 * The provider's credentials and base URL, or `null` when a required value is missing.
 * Only adapters should call this; the result holds secrets.
 */
export function credentialsFor(
  provider: CredentialProvider,
  env: Env = process.env,
): ProviderCredentials | null {
  const spec = SPECS[provider];
  const sandboxUrl = nonEmpty(env.SHOTROUTER_SANDBOX_URL);
  if (sandboxUrl) {
    const values = Object.fromEntries(
      Object.entries(spec.values).map(([name, v]) => [name, v.sandbox]),
    );
    const baseUrl = `${trimSlash(sandboxUrl)}/${provider}`;
    if (provider === 'comfyui') values.url = baseUrl;
    return {
      provider,
      values,
      baseUrl,
      apiKeyEnv: spec.values[spec.main]?.env[0],
      secrets: [],
      sandbox: true,
    };
  }
  const file = fileEntry(provider, env);
  const values: Record<string, string> = {};
  let apiKeyEnv: string | undefined;
  for (const [name, value] of Object.entries(spec.values)) {
    const fromEnv = value.env.find((variable) => nonEmpty(env[variable]));
    const found =
      (fromEnv ? env[fromEnv]?.trim() : undefined) ??
      nonEmpty(file?.[name]) ??
      value.env.map((variable) => nonEmpty(file?.[variable])).find(Boolean) ??
      value.fallback;
    if (!found) return null;
    values[name] = found;
    if (name === spec.main) apiKeyEnv = fromEnv ?? value.env[0];
  }
  const override =
    nonEmpty(env[baseUrlVariable(provider)]) ??
    nonEmpty(file?.baseUrl) ??
    spec.baseUrlEnv?.map((variable) => nonEmpty(env[variable])).find(Boolean);
  const baseUrl = override ? stripVersion(provider, override) : spec.defaultBaseUrl(values);
  if (!baseUrl) return null;
  const secrets = Object.entries(spec.values)
    .filter(([, v]) => v.secret)
    .map(([name]) => values[name]!)
    .filter(Boolean);
  return { provider, values, baseUrl: trimSlash(baseUrl), apiKeyEnv, secrets, sandbox: false };
}

/** Provider ids whose credentials are all present now (every provider when in sandbox mode). */
export function configuredProviders(env: Env = process.env): CredentialProvider[] {
  return CREDENTIAL_PROVIDERS.filter((provider) => credentialsFor(provider, env) !== null);
}

/**
 * What to set for a provider, in words: `set KLING_ACCESS_KEY and KLING_SECRET_KEY`. Values
 * with a default are left out; alternatives are joined with "or".
 */
export function missingCredentialHint(provider: CredentialProvider): string {
  const parts = Object.values(SPECS[provider].values)
    .filter((v) => v.fallback === undefined)
    .map((v) => {
      const names =
        v.env.length > 1 ? `${v.env.slice(0, -1).join(', ')} or ${v.env.at(-1)}` : v.env[0]!;
      return v.hint ? `${names} (${v.hint})` : names;
    });
  const joined =
    parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}` : parts[0]!;
  return `set ${joined} (or add them to the shotrouter credentials file, or set SHOTROUTER_SANDBOX_URL to rehearse)`;
}

/**
 * `text` with every known secret replaced by `***`: the secret values of every provider, from
 * the environment and the credentials file, any variable named like `…_KEY`, `…_TOKEN`,
 * `…_SECRET`, `…_PASSWORD`, and credential-looking URL query parameters.
 */
export function redact(text: string, env: Env = process.env): string {
  return redactText(text, knownSecrets(env));
}

/** Every secret value known from `env` and the credentials file (for redaction only). */
export function knownSecrets(env: Env = process.env): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (value && /(?:KEY|TOKEN|SECRET|PASSWORD)$/i.test(name)) out.push(value.trim());
  }
  let file: Record<string, Record<string, string>> = {};
  try {
    file = readCredentialsFile(env) ?? {};
  } catch {
    // a broken file holds nothing we can read, hence nothing to redact from it
  }
  for (const provider of CREDENTIAL_PROVIDERS) {
    const spec = SPECS[provider];
    const entry = file[provider] ?? {};
    for (const [name, value] of Object.entries(spec.values)) {
      if (!value.secret) continue;
      for (const key of [name, ...value.env]) {
        const fromFile = nonEmpty(entry[key]);
        if (fromFile) out.push(fromFile);
        const fromEnv = nonEmpty(env[key]);
        if (fromEnv) out.push(fromEnv);
      }
    }
  }
  return out;
}

/** Path of the credentials file for this environment. */
export function credentialsFilePath(env: Env = process.env): string {
  const explicit = nonEmpty(env.SHOTROUTER_CREDENTIALS);
  if (explicit) return explicit;
  return path.join(configDir(env), 'credentials.json');
}

function fileEntry(provider: CredentialProvider, env: Env): Record<string, string> | undefined {
  return readCredentialsFile(env)?.[provider];
}

/**
 * The credentials file as provider → string values; `undefined` when there is none. A file
 * that exists but is not such a JSON object is an error that names the file, never its content.
 */
function readCredentialsFile(env: Env): Record<string, Record<string, string>> | undefined {
  const file = credentialsFilePath(env);
  let stamp: string;
  try {
    const info = statSync(file);
    stamp = `${info.mtimeMs}:${info.size}`;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw unreadable(file, error);
  }
  // `redact` may run for every log line: parse the file again only when it has changed
  const cached = fileCache.get(file);
  if (cached?.stamp === stamp) return cached.entries;
  const entries = parseCredentialsFile(file);
  fileCache.set(file, { stamp, entries });
  return entries;
}

const fileCache = new Map<
  string,
  { stamp: string; entries: Record<string, Record<string, string>> }
>();

function unreadable(file: string, error: unknown): ShotrouterError {
  return new ShotrouterError(
    'usage',
    `cannot read the credentials file ${file}: ${(error as Error).message}`,
  );
}

function parseCredentialsFile(file: string): Record<string, Record<string, string>> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw unreadable(file, error);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ShotrouterError('usage', `the credentials file ${file} is not valid JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ShotrouterError(
      'usage',
      `the credentials file ${file} must be a JSON object of provider → values`,
    );
  }
  const out: Record<string, Record<string, string>> = {};
  for (const [provider, entry] of Object.entries(parsed)) {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw new ShotrouterError(
        'usage',
        `the credentials file ${file}: "${provider}" must be an object of values`,
      );
    }
    out[provider] = Object.fromEntries(
      Object.entries(entry).filter((pair): pair is [string, string] => typeof pair[1] === 'string'),
    );
  }
  return out;
}

/** OPENAI_BASE_URL conventionally ends in `/v1`, which the adapter appends itself. */
function stripVersion(provider: CredentialProvider, url: string): string {
  const trimmed = trimSlash(url);
  return provider === 'openai' ? trimmed.replace(/\/v1$/, '') : trimmed;
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}
