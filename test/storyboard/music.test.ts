/** `music` and `soundtrack`: parsed with their defaults, and each wrong value named where it is. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { shotAudioRole } from '../../src/assemble/timelines.ts';
import { catalog, parseStoryboard, plan } from '../../src/index.ts';
import { HEAD, lines, problemAt, problemsOf } from './helpers.ts';

let dir: string;
let file: string;
before(() => {
  dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'shotrouter-music-board-')));
  file = path.join(dir, 'board.yaml');
  fs.mkdirSync(path.join(dir, 'music'));
  // the checker only asks that the file exists; decoding is checked before a run
  fs.writeFileSync(path.join(dir, 'music', 'bed.m4a'), 'x');
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const SHOTS = [
  'shots:',
  '  - { id: a, prompt: p, duration: 2 }',
  '  - { id: b, prompt: p, duration: 2 }',
  '  - { id: c, prompt: p, duration: 2, omit: true }',
];
const board = (...extra: string[]) => lines(...HEAD, ...extra, ...SHOTS);

describe('music and soundtrack', () => {
  test('are parsed with their defaults, paths resolved against the storyboard', () => {
    const storyboard = parseStoryboard(
      board(
        'music:',
        '  - music/bed.m4a',
        '  - { file: music/bed.m4a, from: b, to: b, gain: -12, duck: false }',
        'soundtrack: { file: music/bed.m4a, fit: trim_track }',
      ),
      file,
    );
    const bed = path.join(dir, 'music', 'bed.m4a');
    assert.deepEqual(storyboard.music, [
      { spec: 'music/bed.m4a', path: bed, gainDb: 0, duck: true, position: { line: 7, col: 5 } },
      {
        spec: 'music/bed.m4a',
        path: bed,
        from: 'b',
        to: 'b',
        gainDb: -12,
        duck: false,
        position: { line: 8, col: 13 },
      },
    ]);
    assert.equal(storyboard.soundtrack?.fit, 'trim_track');
    assert.equal(storyboard.soundtrack?.path, bed);
    const plain = parseStoryboard(board('soundtrack: music/bed.m4a'), file);
    assert.equal(plain.soundtrack?.fit, 'none');
  });

  test('each wrong value is named where it is', () => {
    const problems = problemsOf(
      board(
        'music:',
        '  - { file: music/bd.m4a }',
        '  - { file: music/bed.m4a, from: x }',
        '  - { file: music/bed.m4a, from: c }',
        '  - { file: music/bed.m4a, from: b, to: a, gain: 30, volume: 2 }',
        '  - { from: a }',
        '  - { file: "https://example.com/a.mp3" }',
        'soundtrack: { file: music/bed.m4a, fit: stretch }',
      ),
      {},
      file,
    );
    assert.match(problemAt(problems, 'music[0].file').hint ?? '', /did you mean 'music\/bed.m4a'/);
    assert.equal(problemAt(problems, 'music[1].from').message, "unknown shot 'x'");
    assert.equal(problemAt(problems, 'music[2].from').message, "shot 'c' is omitted from the cut");
    assert.match(problemAt(problems, 'music[3].to').message, /plays before 'b'/);
    assert.equal(problemAt(problems, 'music[3].gain').message, 'must be at most 20');
    assert.equal(problemAt(problems, 'music[3].volume').message, "unknown field 'volume'");
    assert.equal(problemAt(problems, 'music[4].file').message, 'is missing');
    assert.match(problemAt(problems, 'music[5].file').message, /must be a file path/);
    assert.match(problemAt(problems, 'soundtrack.fit').expected ?? '', /stretch_last/);
  });

  test('need a cut with sound', () => {
    const text = lines(
      'version: 1',
      'title: Test',
      'deliver: { resolution: 1920x1080, fps: 24, audio: false }',
      'music: [music/bed.m4a]',
      ...SHOTS,
    );
    const problem = problemAt(problemsOf(text, {}, file), 'music');
    assert.match(problem.message, /deliver.audio is false/);
  });

  test('a shot’s own music (audio.music) is asked for, and its role in the timelines is music', () => {
    const text = lines(
      ...HEAD,
      'shots:',
      '  - { id: a, prompt: A pianist at dusk, duration: 4, audio: { music: slow solo piano } }',
    );
    const storyboard = parseStoryboard(text, file, { catalog: catalog() });
    const shot = storyboard.shots[0]!;
    assert.equal(shot.audio.music, 'slow solo piano');
    assert.equal(shot.needs.audio, 'preferred');
    assert.equal(shotAudioRole(shot), 'music');
    const routed = plan(storyboard, catalog());
    const sent = JSON.stringify(routed.shots[0]);
    assert.match(sent, /slow solo piano/);
  });
});
