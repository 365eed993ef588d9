/** One answer to "may this be retried?": the contract's error table, used by every provider error. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ERROR_CODES, ErrorCodeSchema, isRetryable } from '../../src/contracts/errors.ts';
import { providerErrors, toProviderError } from '../../src/providers/errors.ts';

test('isRetryable: the transient provider failures, nothing else, and no unknown code', () => {
  const retryable = ERROR_CODES.filter((e) => e.retryable).map((e) => e.code);
  assert.deepEqual(retryable.sort(), [
    'connection_dropped',
    'expired_url',
    'malformed_response',
    'rate_limited',
    'server_error',
    'timeout',
  ]);
  assert.equal(isRetryable('content_refused'), false);
  assert.equal(isRetryable('no_such_code'), false);
  assert.equal(isRetryable('toString'), false);
  assert.deepEqual(
    ErrorCodeSchema.options,
    ERROR_CODES.map((e) => e.code),
  );
});

test('every provider error takes its retryable flag from the contract', () => {
  const made = [
    providerErrors.rateLimited('p', 3),
    providerErrors.serverError('p', 502),
    providerErrors.timeout('p'),
    providerErrors.contentRefused('p', 'policy'),
    providerErrors.invalidRequest('p', 'bad'),
    providerErrors.authentication('p', 'P_KEY'),
    providerErrors.outOfCredit('p'),
    providerErrors.malformedResponse('p', 'not JSON'),
    providerErrors.expiredUrl('p'),
    providerErrors.connectionDropped('p'),
    toProviderError({ statusCode: 429 }, { provider: 'p' }),
    toProviderError({ statusCode: 404, responseBody: 'no' }, { provider: 'p' }),
  ];
  for (const error of made) assert.equal(error.retryable, isRetryable(error.code), error.code);
  assert.equal(made[0]!.retryAfterSeconds, 3);
});
