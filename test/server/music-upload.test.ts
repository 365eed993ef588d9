/** A storyboard with music uploaded with its sound file: the project keeps the file and plans. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { TEMP_DIRS } from '../lib/helpers.ts';
import { assertError, call, storyboardForm, testServer } from './helpers.ts';

after(() => {
  for (const dir of TEMP_DIRS) fs.rmSync(dir, { recursive: true, force: true });
});

const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));
const BOARD = path.join(EXAMPLES, 'music-bed.yaml');
const bed = fs.readFileSync(path.join(EXAMPLES, 'media', 'harbour-bed.m4a'));

describe('uploading music', () => {
  test('a sound file is kept as sent and the storyboard points at it', async () => {
    const server = testServer();
    const created = await call(server, 'POST', '/api/projects', {
      form: storyboardForm(BOARD, [{ name: 'media/harbour-bed.m4a', data: bed }]),
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.shots.length, 3);
  });

  test('a file that is neither an image nor a sound file is still refused', async () => {
    const server = testServer();
    const refused = await call(server, 'POST', '/api/projects', {
      form: storyboardForm(BOARD, [{ name: 'notes.txt', data: new TextEncoder().encode('hi') }]),
    });
    assertError(refused, 415, 'unsupported_media_type');
  });
});
