/**
 * The OpenAPI document the server serves passes strict OpenAPI 3.1 validation: the whole document
 * against the OpenAPI Initiative's 3.1 schema with its JSON Schema dialect (so every Schema Object
 * is checked against draft 2020-12, e.g. an `$id` may not carry a fragment), and swagger-parser's
 * structural checks with every `$ref` resolved.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import SwaggerParser from '@apidevtools/swagger-parser';
import { validate } from '@hyperjump/json-schema/openapi-3-1';
import { call, testServer } from '../server/helpers.ts';

const SCHEMA_BASE = 'https://spec.openapis.org/oas/3.1/schema-base';

async function servedDocument(): Promise<Record<string, unknown>> {
  const reply = await call(testServer(), 'GET', '/openapi.json');
  assert.equal(reply.status, 200);
  return reply.body;
}

test('the OpenAPI document passes strict OpenAPI 3.1 validation, with no error at all', async () => {
  const doc = await servedDocument();
  const output = await validate(SCHEMA_BASE, doc as never, 'BASIC');
  const errors = output.valid
    ? []
    : (output.errors ?? []).map((e) => `${e.instanceLocation}: ${e.keyword}`);
  assert.deepEqual(errors, []);
  // throws with every problem it finds
  await SwaggerParser.validate(structuredClone(doc) as never);
});

test('component schemas carry no `$id` or `$schema` of their own', async () => {
  const doc = await servedDocument();
  const text = JSON.stringify(doc);
  assert.doesNotMatch(text, /"\$id"|"\$schema"/);
});

test('the validator is strict: it rejects an `$id` with a fragment inside a component schema', async () => {
  const doc = structuredClone(await servedDocument()) as {
    components: { schemas: Record<string, Record<string, unknown>> };
  };
  doc.components.schemas.Plan!.$id = '#/components/schemas/Plan';
  const output = await validate(SCHEMA_BASE, doc as never, 'BASIC');
  assert.equal(output.valid, false);
});

test('the plan parts of the document come from the contracts: codes are enumerated', async () => {
  const doc = (await servedDocument()) as {
    components: {
      schemas: Record<string, { oneOf?: Array<{ properties: { code: { const: string } } }> }>;
    };
  };
  const codes = (name: string) =>
    (doc.components.schemas[name]?.oneOf ?? []).map((k) => k.properties.code.const);
  assert.ok(codes('RejectionReason').includes('duration_too_long'));
  assert.ok(codes('RejectionReason').includes('retired'));
  assert.ok(codes('PlanWarning').includes('duration_snapped'));
});
