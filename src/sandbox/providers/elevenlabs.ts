/**
 * ElevenLabs under `/elevenlabs`: POST /v1/text-to-speech/{voice_id} (the `xi-api-key` header,
 * a JSON body with `text` and `model_id`, MP3 bytes back), read by the stand-in voice
 * (./speech.ts). Errors are `{ detail: { status, message } }` as the API sends them.
 */
import { acceptableKey, type ProviderSpec, type SandboxCore } from '../core.ts';
import { json, type Reply } from '../http.ts';
import { retryAfter } from './common.ts';
import { elevenlabsSpeech } from './speech.ts';

function detail(status: number, code: string, message: string): Reply {
  return json(status, { detail: { status: code, message } });
}

export function elevenlabsProvider(core: SandboxCore): ProviderSpec {
  return {
    name: 'elevenlabs',
    authenticate(req) {
      const key = req.header('xi-api-key');
      if (!acceptableKey(key)) return detail(401, 'invalid_api_key', 'Invalid API key');
      return undefined;
    },
    errors: {
      invalid: (message) => detail(422, 'invalid_request', message),
      notFound: (message) => detail(404, 'not_found', message),
      unknownModel: (model) =>
        detail(400, 'model_not_found', `A model with model ID ${model} does not exist`),
      rateLimited: (seconds) => ({
        ...detail(429, 'too_many_concurrent_requests', 'Too many concurrent requests'),
        headers: retryAfter(seconds),
      }),
      serverError: () => detail(500, 'internal_error', 'An internal error occurred'),
      expired: () => detail(404, 'not_found', 'not found'),
    },
    routes: [
      {
        method: 'POST',
        path: /^\/v1\/text-to-speech\/([^/]+)$/,
        kind: 'call',
        handle: (req, [voice = '']) => elevenlabsSpeech(req, voice, (e) => core.recordSpeech(e)),
      },
    ],
  };
}
