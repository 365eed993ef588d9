/** A project's music: matched to an upload by name, stored by content, the storyboard pointing at it. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { catalog, InvalidInputError } from '../../src/index.ts';
import { ProjectFolders } from '../../src/lib/projects.ts';
import { TEMP_DIRS, tempDir } from './helpers.ts';

after(() => {
  for (const dir of TEMP_DIRS) fs.rmSync(dir, { recursive: true, force: true });
});

const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));
const storyboard = {
  name: 'music-bed.yaml',
  data: fs.readFileSync(path.join(EXAMPLES, 'music-bed.yaml')),
};
const bed = fs.readFileSync(path.join(EXAMPLES, 'media', 'harbour-bed.m4a'));

describe('project music', () => {
  test('the example’s bed is stored by its content and the storyboard points at it', async () => {
    const folders = new ProjectFolders(tempDir('music-projects'), catalog());
    const project = await folders.create({
      storyboard,
      files: [{ name: 'media/harbour-bed.m4a', data: bed }],
    });
    const [upload] = project.meta.uploads;
    assert.match(upload!.file, /^sounds\/[0-9a-f]{64}\.m4a$/);
    assert.equal(upload!.media_type, 'audio/mp4');
    assert.ok(fs.existsSync(path.join(project.dir, upload!.file)));
    const written = fs.readFileSync(path.join(project.dir, 'storyboard.yaml'), 'utf8');
    assert.ok(written.includes(`file: "${upload!.file}"`), written);
  });

  test('a bed that was not uploaded is a problem at its field', async () => {
    const folders = new ProjectFolders(tempDir('music-projects'), catalog());
    await assert.rejects(folders.create({ storyboard, files: [] }), (error: unknown) => {
      assert.ok(error instanceof InvalidInputError);
      assert.equal(error.problems[0]?.path, 'music[0].file');
      assert.match(error.problems[0]!.message, /sound file was not uploaded/);
      return true;
    });
  });
});
