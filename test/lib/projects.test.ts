import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { catalog, InvalidInputError } from '../../src/index.ts';
import { ProjectFolders } from '../../src/lib/projects.ts';
import { JPEG_HEAD, PNG, TEMP_DIRS, tempDir } from './helpers.ts';

after(() => {
  for (const dir of TEMP_DIRS) fs.rmSync(dir, { recursive: true, force: true });
});

const models = catalog();
const text = (s: string) => new TextEncoder().encode(s);

const STORYBOARD = `version: 1
title: Refs
as_of: 2026-11-26
deliver: { resolution: 1280x720, fps: 24 }
characters:
  ana:
    references: [refs/ana.png]
shots:
  - id: s1
    prompt: Ana waves
    duration: 4
    characters: [ana]
    first_frame: ./refs/start.jpg
  - id: s2
    prompt: A street
    duration: 4
    references: [refs/ana.png, street.png]
`;

function problemsOf(error: unknown) {
  assert.ok(error instanceof InvalidInputError, String(error));
  return error.problems;
}

describe('project folders', () => {
  test('images are matched by name, stored by content, and the storyboard points at them', async () => {
    const folders = new ProjectFolders(tempDir('projects'), models);
    const project = await folders.create({
      storyboard: { name: 'film.yaml', data: text(STORYBOARD) },
      files: [
        { name: 'refs/ana.png', data: PNG },
        { name: 'start.jpg', data: JPEG_HEAD },
        { name: 'C:\\shots\\street.png', data: PNG },
        { name: 'unused.png', data: PNG },
      ],
    });
    assert.equal(project.meta.title, 'Refs');
    // two distinct contents: the PNG (used three times) and the JPEG
    assert.equal(project.meta.uploads.length, 2);
    for (const upload of project.meta.uploads) {
      assert.match(upload.file, /^refs\/[0-9a-f]{64}\.(png|jpg)$/);
      assert.ok(fs.existsSync(path.join(project.dir, upload.file)));
    }
    const written = fs.readFileSync(path.join(project.dir, 'storyboard.yaml'), 'utf8');
    assert.ok(!written.includes('refs/ana.png') && !written.includes('street.png'));
    assert.equal(written.split('\n').length, STORYBOARD.split('\n').length, 'same lines');
    const storyboard = project.storyboard();
    assert.equal(storyboard.shots[0]!.firstFrame!.path!.endsWith('.jpg'), true);
    assert.equal(storyboard.shots[1]!.references.length, 2);
    assert.deepEqual(
      folders.list().map((p) => p.id),
      [project.id],
    );
    assert.equal(folders.open(project.id), project);
    assert.equal(folders.open('../../etc'), undefined);
    assert.equal(folders.remove(project.id), true);
    assert.equal(folders.open(project.id), undefined);
  });

  test('an image that was not uploaded is a problem at its position, and nothing is kept', async () => {
    const root = tempDir('projects-missing');
    const folders = new ProjectFolders(root, models);
    const error = await folders
      .create({ storyboard: { name: 'film.yaml', data: text(STORYBOARD) }, files: [] })
      .catch((e: unknown) => e);
    const problems = problemsOf(error);
    assert.deepEqual(
      problems.map((p) => [p.file, p.line, p.path]),
      [
        ['film.yaml', 7, 'characters.ana.references[0]'],
        ['film.yaml', 13, 'shots[0].first_frame'],
        ['film.yaml', 17, 'shots[1].references[0]'],
        ['film.yaml', 17, 'shots[1].references[1]'],
      ],
    );
    assert.match(problems[0]!.message, /was not uploaded/);
    assert.deepEqual(fs.readdirSync(root), [], 'no project folder is left behind');
  });

  test('paths that try to leave the folder, and files that are not images, get nowhere', async () => {
    const root = tempDir('projects-evil');
    const folders = new ProjectFolders(root, models);
    const evil = STORYBOARD.replace('street.png', '../../../../etc/passwd');
    const error = await folders
      .create({
        storyboard: { name: 'film.yaml', data: text(evil) },
        files: [
          { name: 'refs/ana.png', data: PNG },
          { name: 'refs/start.jpg', data: text('<script>alert(1)</script>') },
          { name: '../../../../etc/passwd', data: PNG },
        ],
      })
      .catch((e: unknown) => e);
    const problems = problemsOf(error);
    assert.ok(
      problems.some((p) => p.path === 'shots[0].first_frame' && /is not an image/.test(p.message)),
    );
    assert.deepEqual(fs.readdirSync(root), []);

    // the same name as an upload key only: the file is stored under its content name
    const project = await folders.create({
      storyboard: {
        name: 'film.yaml',
        data: text(evil.replace('./refs/start.jpg', 'refs/ana.png')),
      },
      files: [
        { name: 'refs/ana.png', data: PNG },
        { name: '../../../../etc/passwd', data: PNG },
      ],
    });
    assert.deepEqual(fs.readdirSync(path.join(project.dir, 'refs')), [
      `${project.meta.uploads[0]!.file.slice(5)}`,
    ]);
    assert.deepEqual(fs.readdirSync(root), [project.id]);
  });

  test('a storyboard that is not text, or not valid, is refused with problems in its own terms', async () => {
    const root = tempDir('projects-invalid');
    const folders = new ProjectFolders(root, models);
    const binary = await folders
      .create({ storyboard: { name: 'x.yaml', data: PNG } })
      .catch((e: unknown) => e);
    assert.match(problemsOf(binary)[0]!.message, /not a text file/);
    const invalid = await folders
      .create({ storyboard: { name: 'mine.yaml', data: text('version: 1\ntitle: x\nshots: 3\n') } })
      .catch((e: unknown) => e);
    const problems = problemsOf(invalid);
    assert.ok(problems.length > 0);
    for (const p of problems) {
      assert.equal(p.file, 'mine.yaml');
      assert.ok(!JSON.stringify(p).includes(root), 'no server path in a problem');
    }
  });

  test('reference URLs are fetched through the given fetcher, and its refusals are problems', async () => {
    const folders = new ProjectFolders(tempDir('projects-urls'), models);
    const withUrls = STORYBOARD.replace('refs/ana.png]', 'https://images.example/ana.png]')
      .replace('./refs/start.jpg', 'http://127.0.0.1/start.jpg')
      .replace('[refs/ana.png, street.png]', '[https://images.example/ana.png]');
    const asked: string[] = [];
    const error = await folders
      .create({
        storyboard: { name: 'film.yaml', data: text(withUrls) },
        fetchReference: async (url) => {
          asked.push(url);
          if (url.includes('127.0.0.1')) throw new Error('127.0.0.1 is a loopback address');
          return PNG;
        },
      })
      .catch((e: unknown) => e);
    const problems = problemsOf(error);
    assert.equal(problems.length, 1);
    assert.equal(problems[0]!.path, 'shots[0].first_frame');
    assert.match(problems[0]!.message, /reference URL refused: 127\.0\.0\.1 is a loopback/);
    assert.deepEqual(asked.sort(), [
      'http://127.0.0.1/start.jpg',
      'https://images.example/ana.png',
    ]);

    const fine = await folders.create({
      storyboard: {
        name: 'film.yaml',
        data: text(
          withUrls.replace('http://127.0.0.1/start.jpg', 'https://images.example/ana.png'),
        ),
      },
      fetchReference: async () => PNG,
    });
    assert.equal(fine.meta.uploads.length, 1);
    assert.equal(fine.meta.uploads[0]!.url, 'https://images.example/ana.png');
  });

  test('committed changes are checked, stored and applied to the plan', async () => {
    const folders = new ProjectFolders(tempDir('projects-changes'), models);
    const project = await folders.create({
      storyboard: { name: 'film.yaml', data: text(STORYBOARD) },
      files: [
        { name: 'refs/ana.png', data: PNG },
        { name: 'refs/start.jpg', data: JPEG_HEAD },
        { name: 'street.png', data: PNG },
      ],
    });
    assert.throws(
      () => project.replaceChanges({ shots: { zz: { priority: 'hero' } } }),
      /no shot 'zz'/,
    );
    assert.deepEqual(project.meta.changes, {});
    project.replaceChanges({ budgetUsd: 5, shots: { s1: { priority: 'hero' } } });
    const reopened = new ProjectFolders(folders.root, models).open(project.id)!;
    assert.deepEqual(reopened.meta.changes, { budgetUsd: 5, shots: { s1: { priority: 'hero' } } });
    assert.equal(reopened.plan().budget_usd, 5);
    assert.equal(reopened.storyboard().shots[0]!.priority, 'hero');
    assert.equal(reopened.plan({ budgetUsd: null }).budget_usd, null, 'a draft on top');
  });
});
