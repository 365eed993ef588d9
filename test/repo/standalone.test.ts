/**
 * The repository stands alone: no tracked file may point at the folder of shared design notes,
 * specs and reference data that sat beside it while it was being written. Everything a reader or
 * a test needs lives in the repository (docs/, test/fixtures/).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

// Built from pieces so that this file does not match its own patterns.
const SHARED = ['sha', 'red'].join('');
const NOTES = ['spec', 'reference', 'design', 'research', 'seed'].join('|');
const OUTSIDE = [
  // the folder itself, or one of its parts
  new RegExp(`\\.\\./${SHARED}/|${SHARED}/(${NOTES})`),
  // one of its notes named by the path inside it, e.g. a `research/….md` cited in a comment
  /(?<![\w/.-])(spec|research|reference)\/[\w.-]+\.md/,
];
const pointsOutside = (line: string) => OUTSIDE.some((pattern) => pattern.test(line));

/** Files git tracks or would track (new files count too; symbolic links and deleted files do not). */
function repositoryFiles(): string[] {
  const listed = execFileSync(
    'git',
    ['ls-files', '-z', '--cached', '--others', '--exclude-standard'],
    { cwd: REPO, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  return listed
    .split('\0')
    .filter((file) => file !== '' && file !== 'package-lock.json')
    .filter((file) => fs.lstatSync(path.join(REPO, file), { throwIfNoEntry: false })?.isFile());
}

test('no file in the repository refers to anything outside it', () => {
  const offenders: string[] = [];
  for (const file of repositoryFiles()) {
    const text = fs.readFileSync(path.join(REPO, file), 'utf8');
    text.split('\n').forEach((line, i) => {
      if (pointsOutside(line)) offenders.push(`${file}:${i + 1}: ${line.trim()}`);
    });
  }
  assert.deepEqual(
    offenders,
    [],
    'these lines point outside the repository; point them at docs/ or test/fixtures/ instead',
  );
});

test('the patterns catch what they are meant to, and only that', () => {
  assert.ok(pointsOutside(`see ../${SHARED}/design.md`));
  assert.ok(pointsOutside(`the ${SHARED}/spec/storyboard.md contract`));
  assert.ok(pointsOutside(` * (${['research', 'providers-hosted.md'].join('/')} §7)`));
  assert.ok(!pointsOutside('a shared/ folder of our own, or sharedSpec'));
  assert.ok(!pointsOutside('see docs/storyboard.md and test/fixtures/timeline/NOTICE.md'));
});
