/** Where credentials and base URLs come from, and that secrets never come back out. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ShotrouterError } from '../../src/errors.ts';
import {
  CREDENTIAL_PROVIDERS,
  configuredProviders,
  credentialsFilePath,
  credentialsFor,
  missingCredentialHint,
  redact,
} from '../../src/providers/credentials.ts';

const dir = mkdtempSync(join(tmpdir(), 'shotrouter-credentials-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** An environment with no credentials file (HOME points at an empty folder). */
function env(values: Record<string, string> = {}): Record<string, string> {
  return { HOME: dir, ...values };
}

function fileEnv(content: unknown, values: Record<string, string> = {}): Record<string, string> {
  const file = join(dir, `credentials-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return env({ SHOTROUTER_CREDENTIALS: file, ...values });
}

describe('credentials', () => {
  test('each provider reads its usual variables; the first one set wins and is named', () => {
    const google = credentialsFor(
      'google',
      env({ GOOGLE_API_KEY: 'g2', GOOGLE_GENERATIVE_AI_API_KEY: 'g3' }),
    );
    assert.equal(google?.values.apiKey, 'g2');
    assert.equal(google?.apiKeyEnv, 'GOOGLE_API_KEY');
    assert.equal(google?.baseUrl, 'https://generativelanguage.googleapis.com');
    assert.equal(
      credentialsFor('google', env({ GEMINI_API_KEY: 'g1', GOOGLE_API_KEY: 'g2' }))?.values.apiKey,
      'g1',
    );
    const kling = credentialsFor('kling', env({ KLING_ACCESS_KEY: 'ak', KLING_SECRET_KEY: 'sk' }));
    assert.deepEqual(kling?.values, { accessKey: 'ak', secretKey: 'sk' });
    assert.deepEqual(kling?.secrets, ['ak', 'sk']);
    assert.equal(
      credentialsFor('kling', env({ KLING_ACCESS_KEY: 'ak' })),
      null,
      'both keys are needed',
    );
    assert.equal(
      credentialsFor('byteplus', env({ BYTEPLUS_API_KEY: 'b' }))?.apiKeyEnv,
      'BYTEPLUS_API_KEY',
    );
    assert.equal(
      credentialsFor('runway', env({ RUNWAYML_API_SECRET: 'r' }))?.baseUrl,
      'https://api.dev.runwayml.com',
    );
    assert.equal(credentialsFor('fal', env({ FAL_KEY: 'f' }))?.baseUrl, 'https://queue.fal.run');
    assert.equal(
      credentialsFor('replicate', env({ REPLICATE_API_TOKEN: 'r8' }))?.values.apiKey,
      'r8',
    );
    assert.equal(
      credentialsFor('luma', env({ LUMAAI_API_KEY: 'l' }))?.baseUrl,
      'https://api.lumalabs.ai',
    );
    assert.equal(credentialsFor('openai', env({ OPENAI_API_KEY: '  ' })), null, 'blank is unset');
  });

  test('Vertex: project, token, and a location that defaults to us-central1 and sets the host', () => {
    const vertex = credentialsFor(
      'vertex',
      env({ GOOGLE_VERTEX_PROJECT: 'film', GOOGLE_VERTEX_ACCESS_TOKEN: 'ya29.t' }),
    );
    assert.deepEqual(vertex?.values, {
      project: 'film',
      location: 'us-central1',
      accessToken: 'ya29.t',
    });
    assert.equal(vertex?.baseUrl, 'https://us-central1-aiplatform.googleapis.com');
    assert.deepEqual(vertex?.secrets, ['ya29.t'], 'the project is no secret');
    assert.equal(vertex?.apiKeyEnv, 'GOOGLE_VERTEX_ACCESS_TOKEN');
    const global = credentialsFor(
      'vertex',
      env({
        GOOGLE_CLOUD_PROJECT: 'p',
        GOOGLE_VERTEX_LOCATION: 'global',
        GOOGLE_VERTEX_ACCESS_TOKEN: 't',
      }),
    );
    assert.equal(global?.baseUrl, 'https://aiplatform.googleapis.com');
    assert.equal(credentialsFor('vertex', env({ GOOGLE_VERTEX_PROJECT: 'p' })), null);
  });

  test('ComfyUI is configured by its URL, which is its base URL', () => {
    assert.equal(credentialsFor('comfyui', env()), null);
    assert.equal(
      credentialsFor('comfyui', env({ COMFYUI_URL: 'http://gpu-box:8188/' }))?.baseUrl,
      'http://gpu-box:8188',
    );
  });

  test('base URL overrides: SHOTROUTER_<PROVIDER>_BASE_URL, and OPENAI_BASE_URL without its /v1', () => {
    assert.equal(
      credentialsFor(
        'openai',
        env({ OPENAI_API_KEY: 'k', SHOTROUTER_OPENAI_BASE_URL: 'http://litellm:4000/' }),
      )?.baseUrl,
      'http://litellm:4000',
    );
    assert.equal(
      credentialsFor(
        'openai',
        env({ OPENAI_API_KEY: 'k', OPENAI_BASE_URL: 'http://proxy:4000/v1' }),
      )?.baseUrl,
      'http://proxy:4000',
    );
    assert.equal(
      credentialsFor(
        'kling',
        env({
          KLING_ACCESS_KEY: 'a',
          KLING_SECRET_KEY: 's',
          SHOTROUTER_KLING_BASE_URL: 'https://api.klingai.com',
        }),
      )?.baseUrl,
      'https://api.klingai.com',
    );
  });

  test('the credentials file: by variable or value name, with a base URL; the environment wins', () => {
    const file = {
      kling: { KLING_ACCESS_KEY: 'file-ak', secretKey: 'file-sk' },
      openai: { apiKey: 'file-openai', baseUrl: 'http://litellm:4000' },
      runway: { RUNWAYML_API_SECRET: 'file-runway' },
    };
    const e = fileEnv(file, { RUNWAYML_API_SECRET: 'env-runway' });
    assert.deepEqual(credentialsFor('kling', e)?.values, {
      accessKey: 'file-ak',
      secretKey: 'file-sk',
    });
    assert.equal(credentialsFor('openai', e)?.baseUrl, 'http://litellm:4000');
    assert.equal(credentialsFor('runway', e)?.values.apiKey, 'env-runway');
    assert.deepEqual(configuredProviders(e), ['openai', 'kling', 'runway']);
  });

  test('the default file is under XDG_CONFIG_HOME or ~/.config', () => {
    assert.equal(
      credentialsFilePath({ HOME: '/home/ada' }),
      '/home/ada/.config/shotrouter/credentials.json',
    );
    assert.equal(
      credentialsFilePath({ HOME: '/home/ada', XDG_CONFIG_HOME: '/cfg' }),
      '/cfg/shotrouter/credentials.json',
    );
  });

  test('a broken file is an error naming the file, never its content', () => {
    const e = fileEnv('{"openai": {"apiKey": "sk-leaky-secret"');
    assert.throws(
      () => credentialsFor('openai', e),
      (error: unknown) =>
        ShotrouterError.is(error) &&
        /not valid JSON/.test(error.message) &&
        !error.message.includes('sk-leaky'),
    );
    assert.throws(() => credentialsFor('openai', fileEnv({ openai: 'sk-x' })), /must be an object/);
  });

  test('the sandbox URL points every provider at its prefix with placeholders, never real keys', () => {
    const e = env({
      SHOTROUTER_SANDBOX_URL: 'http://127.0.0.1:4010/',
      OPENAI_API_KEY: 'sk-real-key',
    });
    assert.deepEqual(configuredProviders(e), [...CREDENTIAL_PROVIDERS]);
    const openai = credentialsFor('openai', e);
    assert.equal(openai?.baseUrl, 'http://127.0.0.1:4010/openai');
    assert.notEqual(openai?.values.apiKey, 'sk-real-key');
    assert.equal(openai?.sandbox, true);
    assert.deepEqual(credentialsFor('kling', e)?.values, {
      accessKey: 'sandbox-ak',
      secretKey: 'sandbox-sk',
    });
    assert.equal(credentialsFor('comfyui', e)?.values.url, 'http://127.0.0.1:4010/comfyui');
    assert.equal(credentialsFor('vertex', e)?.baseUrl, 'http://127.0.0.1:4010/vertex');
  });

  test('hints say what to set', () => {
    assert.match(missingCredentialHint('kling'), /^set KLING_ACCESS_KEY and KLING_SECRET_KEY/);
    assert.match(
      missingCredentialHint('google'),
      /^set GEMINI_API_KEY, GOOGLE_API_KEY or GOOGLE_GENERATIVE_AI_API_KEY/,
    );
    assert.match(
      missingCredentialHint('vertex'),
      /GOOGLE_VERTEX_PROJECT or GOOGLE_CLOUD_PROJECT and GOOGLE_VERTEX_ACCESS_TOKEN/,
    );
    assert.doesNotMatch(missingCredentialHint('vertex'), /LOCATION/, 'the location has a default');
    assert.match(missingCredentialHint('comfyui'), /COMFYUI_URL/);
  });

  test('redact hides every known secret: variables, the file, token-like names, URL keys', () => {
    const e = fileEnv(
      { luma: { LUMAAI_API_KEY: 'luma-file-secret' } },
      {
        OPENAI_API_KEY: 'sk-env-secret',
        MY_SERVICE_TOKEN: 'tok-123456',
        GOOGLE_VERTEX_PROJECT: 'film',
      },
    );
    const text =
      'used sk-env-secret, luma-file-secret and tok-123456 for film at https://h/f?key=AIzaXYZ';
    assert.equal(redact(text, e), 'used ***, *** and *** for film at https://h/f?key=***');
  });
});
