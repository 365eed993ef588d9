/** docs/plan-fields.md is generated from the contracts and must be committed up to date. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { contractDocs } from '../../src/contracts/docs.ts';
import { ERROR_CODES, REJECTION_CODES, WARNING_CODES } from '../../src/contracts/index.ts';

const FILE = path.join(import.meta.dirname, '..', '..', 'docs', 'plan-fields.md');

test('docs/plan-fields.md is what `npm run docs:contracts` writes from the schemas', () => {
  const committed = fs.readFileSync(FILE, 'utf8');
  assert.ok(
    committed === contractDocs(),
    'docs/plan-fields.md is out of date with src/contracts/: run `npm run docs:contracts` and commit it',
  );
});

test('every code is documented with its meaning', () => {
  const doc = contractDocs();
  for (const { code, meaning } of [...REJECTION_CODES, ...WARNING_CODES, ...ERROR_CODES]) {
    assert.ok(meaning.length > 0, `${code} has a meaning`);
    assert.ok(doc.includes(`| \`${code}\` |`), `${code} has a row`);
  }
  assert.match(doc, /\| `rate_limited` \| yes \|/);
  assert.match(doc, /\| `content_refused` \| no \|/);
});
