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

// Built from pieces so that this file does not match its own pattern.
const SHARED = ['sha', 'red'].join('');
const OUTSIDE = new RegExp(`\\.\\./${SHARED}/|${SHARED}/(spec|reference|design|research|seed)`);

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
      if (OUTSIDE.test(line)) offenders.push(`${file}:${i + 1}: ${line.trim()}`);
    });
  }
  assert.deepEqual(
    offenders,
    [],
    'these lines point outside the repository; point them at docs/ or test/fixtures/ instead',
  );
});

test('the pattern catches what it is meant to', () => {
  assert.ok(OUTSIDE.test(`see ../${SHARED}/design.md`));
  assert.ok(OUTSIDE.test(`the ${SHARED}/spec/storyboard.md contract`));
  assert.ok(!OUTSIDE.test('a shared/ folder of our own, or sharedSpec'));
});
