import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseStoryboard } from '../../src/storyboard/load.ts';
import { expectProblem, HEAD, INLINE_FILE, lines, problemAt, problemsOf } from './helpers.ts';

/** HEAD (lines 1-5), `shots:` on line 6, then the given shot lines from line 7. */
const withShot = (...shotLines: string[]) => lines(...HEAD, 'shots:', ...shotLines);
/** One shot `a` (lines 7-9: id, prompt, duration) plus extra lines from line 10. */
const shotWith = (...extra: string[]) =>
  withShot('  - id: a', '    prompt: p', '    duration: 2', ...extra.map((l) => `    ${l}`));
/** A top level whose line 6 is `extra`; the shots follow. */
const topWith = (extra: string) =>
  lines(...HEAD, extra, 'shots: [{ id: a, prompt: p, duration: 2 }]');

describe('top level', () => {
  test('version must be 1', () => {
    expectProblem(
      lines('version: 2', 'title: T', 'deliver: { resolution: 720p, fps: 24 }', 'shots: []'),
      {
        path: 'version',
        line: 1,
        col: 10,
        expected: '1',
        found: 'the number 2',
      },
    );
    const quoted = expectProblem(lines("version: '1'", 'title: T'), {
      path: 'version',
      line: 1,
      col: 10,
    });
    assert.equal(quoted.hint, 'write version: 1, without quotes');
    const missing = expectProblem(lines('title: T'), { path: 'version', line: 1, col: 1 });
    assert.match(missing.message, /missing/);
  });

  test('title must be non-empty text', () => {
    expectProblem(lines('version: 1', 'title: ""'), {
      path: 'title',
      line: 2,
      col: 8,
      message: 'is empty',
      found: '""',
    });
    const number = expectProblem(lines('version: 1', 'title: 1984'), {
      path: 'title',
      line: 2,
      col: 8,
    });
    assert.equal(number.message, 'must be text');
    assert.equal(number.found, 'the number 1984');
    assert.equal(number.hint, 'to use 1984 as text, put it in quotes: "1984"');
    expectProblem(lines('version: 1'), { path: 'title', line: 1, col: 1, message: 'is missing' });
  });

  test('as_of must be a real calendar date', () => {
    const feb = expectProblem(topWith('as_of: 2026-02-30'), { path: 'as_of', line: 6, col: 8 });
    assert.equal(feb.message, 'is not a real date: February 2026 has 28 days');
    assert.equal(feb.found, '"2026-02-30"');
    assert.equal(feb.expected, 'a date written YYYY-MM-DD, e.g. 2026-11-26');
    expectProblem(topWith('as_of: 2026-13-01'), {
      path: 'as_of',
      line: 6,
      col: 8,
      message: 'is not a real date: the month must be 01 to 12',
    });
    expectProblem(topWith('as_of: 2026/11/6'), {
      path: 'as_of',
      line: 6,
      col: 8,
      hint: 'write 2026-11-06',
    });
    expectProblem(topWith('as_of: 20261126'), {
      path: 'as_of',
      line: 6,
      col: 8,
      found: 'the number 20261126',
    });
    const leap = parseStoryboard(topWith('as_of: 2024-02-29'), INLINE_FILE);
    assert.equal(leap.asOf, '2024-02-29');
  });

  test('budget_usd must be a positive, finite number up to a million', () => {
    expectProblem(topWith('budget_usd: 0'), {
      path: 'budget_usd',
      line: 6,
      col: 13,
      message: 'must be greater than 0',
      expected: 'a number of US dollars, > 0 and ≤ 1000000',
      found: '0',
    });
    expectProblem(topWith('budget_usd: -5'), {
      path: 'budget_usd',
      line: 6,
      col: 13,
      message: 'must be greater than 0',
    });
    expectProblem(topWith('budget_usd: 2e6'), {
      path: 'budget_usd',
      line: 6,
      col: 13,
      message: 'must be at most 1000000',
    });
    expectProblem(topWith('budget_usd: .inf'), {
      path: 'budget_usd',
      line: 6,
      col: 13,
      message: 'must be a finite number',
      found: '.inf (infinity)',
    });
    expectProblem(topWith('budget_usd: .nan'), {
      path: 'budget_usd',
      line: 6,
      col: 13,
      message: 'must be a number, not .nan',
      found: '.nan (not a number)',
    });
    expectProblem(topWith('budget_usd: "$40"'), {
      path: 'budget_usd',
      line: 6,
      col: 13,
      message: 'must be a number',
      found: 'text "$40"',
      hint: 'write 40, without quotes or units',
    });
  });

  test('an empty document, or one that is not a mapping', () => {
    expectProblem('# nothing yet\n', {
      path: '',
      line: 1,
      col: 1,
      message: 'the storyboard is empty',
    });
    const list = expectProblem('- a\n- b\n', { path: '', line: 1, col: 1 });
    assert.equal(list.found, 'a list of 2 items');
  });
});

describe('deliver', () => {
  const deliver = (resolution: string, fps = '24') =>
    lines(
      'version: 1',
      'title: T',
      'deliver:',
      `  resolution: ${resolution}`,
      `  fps: ${fps}`,
      'shots: [{ id: a, prompt: p, duration: 2 }]',
    );

  test('keywords and WxH are accepted', () => {
    const size = (r: string) => parseStoryboard(deliver(r), INLINE_FILE).deliver.size;
    assert.deepEqual(size('720p'), { width: 1280, height: 720 });
    assert.deepEqual(size('1080p'), { width: 1920, height: 1080 });
    assert.deepEqual(size('1440p'), { width: 2560, height: 1440 });
    assert.deepEqual(size('4k'), { width: 3840, height: 2160 });
    assert.deepEqual(size('4K'), { width: 3840, height: 2160 });
    assert.deepEqual(size('1080x1920'), { width: 1080, height: 1920 });
    assert.deepEqual(size('8192x4320'), { width: 8192, height: 4320 });
  });

  test('a resolution must be even, positive and at most 8192 on a side', () => {
    const odd = expectProblem(deliver('1921x1080'), {
      path: 'deliver.resolution',
      line: 4,
      col: 15,
    });
    assert.match(odd.message, /even/);
    assert.equal(odd.hint, 'use 1920x1080');
    assert.equal(odd.found, 'text "1921x1080"');
    assert.match(odd.expected!, /WIDTHxHEIGHT/);
    expectProblem(deliver('1920x0'), {
      path: 'deliver.resolution',
      line: 4,
      col: 15,
      message: 'must have a width and a height greater than 0',
    });
    expectProblem(deliver('9000x1080'), {
      path: 'deliver.resolution',
      line: 4,
      col: 15,
      message: 'is too large: at most 8192 pixels on a side',
    });
  });

  test('a resolution that is almost right gets a hint', () => {
    expectProblem(deliver('1080'), {
      path: 'deliver.resolution',
      line: 4,
      col: 15,
      hint: 'did you mean 1080p?',
      found: 'the number 1080',
    });
    expectProblem(deliver('1920 x 1080'), {
      path: 'deliver.resolution',
      line: 4,
      col: 15,
      hint: 'write 1920x1080',
    });
    expectProblem(deliver('1080i'), {
      path: 'deliver.resolution',
      line: 4,
      col: 15,
      hint: 'did you mean 1080p?',
    });
  });

  test('fps must be a supported frame rate', () => {
    const near = expectProblem(deliver('720p', '23.98'), {
      path: 'deliver.fps',
      line: 5,
      col: 8,
      message: 'is not a supported frame rate',
      found: '23.98',
      hint: 'did you mean 23.976?',
    });
    assert.equal(
      near.expected,
      'one of 23.976, 24, 25, 29.97, 30, 50, 59.94 or 60 frames per second',
    );
    const far = expectProblem(deliver('720p', '120'), { path: 'deliver.fps', line: 5, col: 8 });
    assert.equal(far.hint, undefined);
    expectProblem(deliver('720p', '"24"'), {
      path: 'deliver.fps',
      line: 5,
      col: 8,
      message: 'must be a number',
      hint: 'write 24, without quotes',
    });
    expectProblem(deliver('720p', '30000/1001'), {
      path: 'deliver.fps',
      line: 5,
      col: 8,
      hint: 'write 29.97, without quotes',
    });
  });

  test('deliver and its resolution and fps are required', () => {
    const missing = expectProblem(
      lines('version: 1', 'title: T', 'shots: [{ id: a, prompt: p, duration: 2 }]'),
      {
        path: 'deliver',
        line: 1,
        col: 1,
      },
    );
    assert.match(missing.message, /missing/);
    const problems = problemsOf(
      lines(
        'version: 1',
        'title: T',
        'deliver: { audio: false }',
        'shots: [{ id: a, prompt: p, duration: 2 }]',
      ),
    );
    assert.deepEqual(
      problems.map((p) => [p.path, p.line, p.col, p.message]),
      [
        ['deliver.resolution', 3, 10, 'is missing'],
        ['deliver.fps', 3, 10, 'is missing'],
      ],
    );
  });

  test('a broken deliver does not hide the shots, nor break them', () => {
    const problems = problemsOf(
      lines(
        'version: 1',
        'title: T',
        'deliver: { resolution: huge, fps: 24 }',
        'shots:',
        '  - { id: a, prompt: p, duration: 2, resolution: 720p, fps: 24 }',
        '  - { id: b, prompt: p, duration: -1 }',
      ),
    );
    assert.deepEqual(
      problems.map((p) => p.path),
      ['deliver.resolution', 'shots[1].duration'],
    );
  });

  test('deliver.audio must be true or false', () => {
    expectProblem(
      lines('version: 1', 'title: T', 'deliver: { resolution: 720p, fps: 24, audio: yes }'),
      {
        path: 'deliver.audio',
        line: 3,
        col: 46,
        message: 'must be true or false',
        found: 'text "yes"',
        hint: 'write true, without quotes',
      },
    );
  });
});

describe('shots', () => {
  test('the list must exist and hold at least one shot', () => {
    expectProblem(lines(...HEAD), { path: 'shots', line: 1, col: 1, message: 'is missing' });
    expectProblem(lines(...HEAD, 'shots: []'), {
      path: 'shots',
      line: 6,
      col: 8,
      message: 'is empty: a storyboard needs at least one shot',
      found: 'an empty list',
    });
    expectProblem(lines(...HEAD, 'shots:'), { path: 'shots', line: 6, col: 7 });
    const mapping = expectProblem(lines(...HEAD, 'shots:', '  s01: { prompt: p }'), {
      path: 'shots',
      line: 7,
      col: 3,
    });
    assert.equal(mapping.message, 'must be a list');
    assert.equal(mapping.hint, "start each shot with '- ', e.g. '- id: s01'");
    const text = expectProblem(withShot('  - just a prompt'), {
      path: 'shots[0]',
      line: 7,
      col: 5,
    });
    assert.equal(text.found, 'text "just a prompt"');
  });

  test('ids are required, unique, and made of letters, digits, - and _', () => {
    const dup = expectProblem(
      withShot(
        '  - id: s1',
        '    prompt: p',
        '    duration: 2',
        '  - id: s1',
        '    prompt: q',
        '    duration: 2',
      ),
      { path: 'shots[1].id', line: 10, col: 9, found: '"s1"' },
    );
    assert.equal(dup.message, "shot id 's1' is already used by shots[0] (line 7)");
    expectProblem(withShot('  - id: bad id!', '    prompt: p', '    duration: 2'), {
      path: 'shots[0].id',
      line: 7,
      col: 9,
      message: "may only hold letters, digits, '-' and '_'",
      hint: 'e.g. bad-id',
    });
    expectProblem(withShot('  - id: 7', '    prompt: p', '    duration: 2'), {
      path: 'shots[0].id',
      line: 7,
      col: 9,
      message: 'must be text',
      hint: 'write it in quotes: id: "7", or use a name like s7',
    });
    expectProblem(withShot('  - prompt: p', '    duration: 2'), {
      path: 'shots[0].id',
      line: 7,
      col: 5,
    });
  });

  test('prompt is required and non-empty', () => {
    expectProblem(withShot('  - id: a', '    prompt: "  "', '    duration: 2'), {
      path: 'shots[0].prompt',
      line: 8,
      col: 13,
      message: 'is empty',
    });
    expectProblem(withShot('  - id: a', '    duration: 2'), {
      path: 'shots[0].prompt',
      line: 7,
      col: 5,
      message: 'is missing',
    });
  });

  test('duration must be > 0 and at most 600 seconds', () => {
    const duration = (value: string) =>
      withShot('  - id: a', '    prompt: p', `    duration: ${value}`);
    const year = expectProblem(duration('31536000'), {
      path: 'shots[0].duration',
      line: 9,
      col: 15,
    });
    assert.equal(
      year.message,
      'is absurd for one shot (about 1 year): a shot lasts at most 600 seconds (10 minutes)',
    );
    assert.equal(year.found, '31536000 (about 1 year)');
    assert.equal(year.expected, 'a number of seconds, > 0 and ≤ 600');
    const long = expectProblem(duration('900'), { path: 'shots[0].duration', line: 9, col: 15 });
    assert.equal(long.message, 'is too long: a shot lasts at most 600 seconds (10 minutes)');
    assert.equal(long.hint, 'split it into several shots');
    expectProblem(duration('6000'), {
      path: 'shots[0].duration',
      line: 9,
      col: 15,
      hint: 'durations are in seconds: if you meant 6000 milliseconds, write 6',
    });
    expectProblem(duration('0'), {
      path: 'shots[0].duration',
      line: 9,
      col: 15,
      message: 'must be greater than 0',
    });
    expectProblem(duration('-3'), {
      path: 'shots[0].duration',
      line: 9,
      col: 15,
      message: 'must be greater than 0',
      found: '-3',
    });
    expectProblem(duration('.inf'), {
      path: 'shots[0].duration',
      line: 9,
      col: 15,
      message: 'must be a finite number',
    });
    expectProblem(duration('.nan'), {
      path: 'shots[0].duration',
      line: 9,
      col: 15,
      message: 'must be a number, not .nan',
    });
    expectProblem(duration('6s'), {
      path: 'shots[0].duration',
      line: 9,
      col: 15,
      message: 'must be a number',
      found: 'text "6s"',
      hint: 'write 6, without quotes or units',
    });
    expectProblem(duration(''), {
      path: 'shots[0].duration',
      line: 9,
      col: 15,
      message: 'has no value',
    });
    expectProblem(withShot('  - id: a', '    prompt: p'), {
      path: 'shots[0].duration',
      line: 7,
      col: 5,
      message: 'is missing',
    });
  });

  test('slowmo, takes, priority', () => {
    expectProblem(shotWith('slowmo: 0.5'), {
      path: 'shots[0].slowmo',
      line: 10,
      col: 13,
      message: 'must be at least 1',
    });
    expectProblem(shotWith('slowmo: 17'), {
      path: 'shots[0].slowmo',
      line: 10,
      col: 13,
      message: 'must be at most 16',
    });
    expectProblem(shotWith('takes: 2.5'), {
      path: 'shots[0].takes',
      line: 10,
      col: 12,
      message: 'must be a whole number',
    });
    expectProblem(shotWith('takes: 0'), {
      path: 'shots[0].takes',
      line: 10,
      col: 12,
      message: 'must be at least 1',
      expected: 'a whole number of takes, 1 to 20',
    });
    expectProblem(shotWith('takes: 21'), {
      path: 'shots[0].takes',
      line: 10,
      col: 12,
      message: 'must be at most 20',
    });
    expectProblem(shotWith('priority: Hero'), {
      path: 'shots[0].priority',
      line: 10,
      col: 15,
      message: 'must be hero, normal or draft',
      hint: "did you mean 'hero'?",
    });
  });

  test('continuous must be a boolean; camera and sequence must be text', () => {
    expectProblem(shotWith('continuous: 1'), {
      path: 'shots[0].continuous',
      line: 10,
      col: 17,
      found: 'the number 1',
    });
    expectProblem(shotWith('sequence: ""'), {
      path: 'shots[0].sequence',
      line: 10,
      col: 15,
      message: 'is empty',
    });
    expectProblem(shotWith('camera: [pan, tilt]'), {
      path: 'shots[0].camera',
      line: 10,
      col: 13,
      message: 'must be text',
      found: 'a list of 2 items',
    });
  });

  test('a shot resolution or fps is checked like deliver', () => {
    expectProblem(shotWith('resolution: 1081x1920'), {
      path: 'shots[0].resolution',
      line: 10,
      col: 17,
      hint: 'use 1080x1920',
    });
    expectProblem(shotWith('fps: 59.9'), {
      path: 'shots[0].fps',
      line: 10,
      col: 10,
      hint: 'did you mean 59.94?',
    });
  });
});

describe('tags', () => {
  test('an unknown tag names the closest known one', () => {
    const problem = expectProblem(shotWith('tags: [cinematc, camera-move]'), {
      path: 'shots[0].tags[0]',
      line: 10,
      col: 12,
      message: "unknown tag 'cinematc'",
      found: '"cinematc"',
      hint: "did you mean 'cinematic'?",
    });
    assert.match(problem.expected!, /^one of narrative, dialogue, .*, vfx$/);
  });

  test('a single tag where a list belongs', () => {
    expectProblem(shotWith('tags: cinematic'), {
      path: 'shots[0].tags',
      line: 10,
      col: 11,
      message: 'must be a list',
      hint: 'write tags: [cinematic]',
    });
  });

  test('duplicates are dropped', () => {
    const sb = parseStoryboard(shotWith('tags: [vfx, vfx, b-roll]'), INLINE_FILE);
    assert.deepEqual(sb.shots[0]?.tags, ['vfx', 'b-roll']);
  });
});

describe('characters', () => {
  const cast = (...shotExtra: string[]) =>
    lines(
      ...HEAD,
      'characters:',
      '  mara: { description: woman in a red raincoat }',
      '  teo:',
      'shots:',
      '  - id: a',
      '    prompt: p',
      '    duration: 2',
      ...shotExtra.map((l) => `    ${l}`),
    );

  test('a shot may only name defined characters', () => {
    const problem = expectProblem(cast('characters: [mara, marra, bob]'), {
      path: 'shots[0].characters[1]',
      line: 13,
      col: 24,
      message: "unknown character 'marra'",
      found: '"marra"',
      hint: "did you mean 'mara'?",
      expected: 'a name defined under characters: mara or teo',
    });
    assert.ok(problem);
    const problems = problemsOf(cast('characters: [mara, marra, bob]'));
    assert.equal(
      problemAt(problems, 'shots[0].characters[2]').hint,
      "define 'bob' under characters",
    );
  });

  test('with no characters defined, the expected text says so', () => {
    expectProblem(shotWith('characters: [mara]'), {
      path: 'shots[0].characters[0]',
      line: 10,
      col: 18,
      expected: 'a name defined under characters (none are defined)',
    });
  });

  test('a character with nothing under it is defined, without details', () => {
    const sb = parseStoryboard(cast('characters: [teo]'), INLINE_FILE);
    assert.deepEqual(sb.characters.teo, { name: 'teo', references: [] });
    assert.deepEqual(sb.shots[0]?.characters, ['teo']);
  });

  test('characters must be a mapping of names', () => {
    const problem = expectProblem(
      lines(...HEAD, 'characters: [mara, teo]', 'shots: [{ id: a, prompt: p, duration: 2 }]'),
      {
        path: 'characters',
        line: 6,
        col: 13,
      },
    );
    assert.equal(problem.hint, 'write each name as a key, e.g. `mara:` on its own line');
  });
});

describe('audio and dialogue', () => {
  const talk = (...audio: string[]) =>
    lines(
      ...HEAD,
      'characters: { mara: , teo: }',
      'shots:',
      '  - id: a',
      '    prompt: p',
      '    duration: 2',
      '    audio:',
      ...audio,
    );

  test('dialogue entries need a speaker and a line', () => {
    const problems = problemsOf(
      talk('      dialogue:', '        - { speaker: mara }', '        - line: hello'),
    );
    assert.deepEqual(
      problems.map((p) => [p.path, p.line, p.col, p.message, p.expected]),
      [
        ['shots[0].audio.dialogue[0].line', 13, 11, 'is missing', 'the words spoken'],
        [
          'shots[0].audio.dialogue[1].speaker',
          14,
          11,
          'is missing',
          'the name of who speaks, e.g. a character name',
        ],
      ],
    );
  });

  test('a speaker who is not a character is a warning, not an error', () => {
    const sb = parseStoryboard(
      talk(
        '      dialogue:',
        '        - { speaker: marra, line: hi }',
        '        - { speaker: narrator, line: Once upon a time }',
      ),
      INLINE_FILE,
    );
    assert.equal(sb.shots[0]?.audio.dialogue.length, 2);
    assert.deepEqual(
      sb.warnings.map((w) => [w.path, w.line, w.col, w.message, w.hint]),
      [
        [
          'shots[0].audio.dialogue[0].speaker',
          13,
          22,
          "speaker 'marra' is not one of the characters",
          "did you mean 'mara'?",
        ],
        [
          'shots[0].audio.dialogue[1].speaker',
          14,
          22,
          "speaker 'narrator' is not one of the characters",
          'define them under characters for a consistent look and voice; for a voice-over, declare it under characters as `narrator: { narrator: true }`',
        ],
      ],
    );
    assert.equal(sb.warnings[0]?.file, INLINE_FILE);
    assert.equal(sb.warnings[0]?.expected, 'one of mara or teo');
  });

  test('silent sounds and dialogue in a silent cut are warnings', () => {
    const silent = parseStoryboard(talk('      ambient: rain', '      silent: true'), INLINE_FILE);
    assert.deepEqual(
      silent.warnings.map((w) => [w.path, w.line, w.col, w.message]),
      [['shots[0].audio.silent', 13, 15, 'the shot is silent, so its ambient will not be heard']],
    );
    const mute = parseStoryboard(
      lines(
        'version: 1',
        'title: T',
        'deliver: { resolution: 720p, fps: 24, audio: false }',
        'shots:',
        '  - { id: a, prompt: p, duration: 2, audio: { dialogue: [{ speaker: x, line: y }] } }',
      ),
      INLINE_FILE,
    );
    assert.ok(
      mute.warnings.some(
        (w) => w.path === 'shots[0].audio.dialogue' && /no audio track/.test(w.message),
      ),
    );
  });

  test('audio fields are typed', () => {
    const problems = problemsOf(
      talk('      ambient: 3', '      silent: "no"', '      dialogue: hello'),
    );
    assert.deepEqual(
      problems.map((p) => [p.path, p.line, p.col, p.message, p.hint]),
      [
        [
          'shots[0].audio.ambient',
          12,
          16,
          'must be text',
          'to use 3 as text, put it in quotes: "3"',
        ],
        ['shots[0].audio.silent', 13, 15, 'must be true or false', 'write false, without quotes'],
        ['shots[0].audio.dialogue', 14, 17, 'must be a list', 'write dialogue: [hello]'],
      ],
    );
  });
});

describe('unknown fields', () => {
  const cases: [string, string, string, number, number, string | undefined][] = [
    ['top level', lines(...HEAD, 'shot: []'), 'shot', 6, 1, "did you mean 'shots'?"],
    [
      'deliver',
      lines('version: 1', 'title: T', 'deliver:', '  resolution: 720p', '  fps: 24', '  fsp: 24'),
      'deliver.fsp',
      6,
      3,
      "did you mean 'fps'?",
    ],
    [
      'policy',
      lines(...HEAD, 'policy:', '  optimise: cost'),
      'policy.optimise',
      7,
      3,
      "did you mean 'optimize'?",
    ],
    [
      'a character',
      lines(...HEAD, 'characters:', '  mara:', '    descripton: x'),
      'characters.mara.descripton',
      8,
      5,
      "did you mean 'description'?",
    ],
    ['a shot', shotWith('durration: 3'), 'shots[0].durration', 10, 5, "did you mean 'duration'?"],
    [
      'audio',
      shotWith('audio: { ambience: rain }'),
      'shots[0].audio.ambience',
      10,
      14,
      "did you mean 'ambient'?",
    ],
    [
      'a dialogue line',
      shotWith('audio: { dialogue: [{ speaker: x, line: y, lien: z }] }'),
      'shots[0].audio.dialogue[0].lien',
      10,
      48,
      "did you mean 'line'?",
    ],
    ['camelCase', topWith('budgetUsd: 3'), 'budgetUsd', 6, 1, "did you mean 'budget_usd'?"],
    [
      'a misplaced field',
      topWith('fps: 24'),
      'fps',
      6,
      1,
      "'fps' is a field of deliver or a shot, not of the top level",
    ],
    [
      'a tag written as a field',
      shotWith('cinematic: true'),
      'shots[0].cinematic',
      10,
      5,
      "'cinematic' is a tag: list it under tags, e.g. tags: [cinematic]",
    ],
    ['nothing close', shotWith('zzz: 1'), 'shots[0].zzz', 10, 5, undefined],
  ];
  for (const [where, text, path, line, col, hint] of cases) {
    test(`in ${where}: reported at the key, with a hint`, () => {
      const problems = problemsOf(text);
      const problem = problemAt(problems, path);
      assert.equal(problem.message, `unknown field '${path.split(/[.\]]/).at(-1)}'`);
      assert.deepEqual([problem.line, problem.col, problem.hint], [line, col, hint]);
      assert.match(problem.expected!, /^one of the fields of /);
    });
  }
});

describe('model ids', () => {
  const MODELS = ['veo-3.1', 'kling-3.0', 'sora-2'];

  test('pins, allow and deny are checked against the known models', () => {
    const text = lines(
      ...HEAD,
      'policy:',
      '  allow: [veo-31, kling-3.0]',
      '  deny: [Sora-2]',
      'shots:',
      '  - { id: a, prompt: p, duration: 2, model: kling3 }',
    );
    const problems = problemsOf(text, { knownModels: MODELS });
    assert.deepEqual(
      problems.map((p) => [p.path, p.line, p.col, p.message, p.hint]),
      [
        ['policy.allow[0]', 7, 11, "unknown model 'veo-31'", "did you mean 'veo-3.1'?"],
        ['policy.deny[0]', 8, 10, "unknown model 'Sora-2'", "did you mean 'sora-2'?"],
        ['shots[0].model', 10, 45, "unknown model 'kling3'", "did you mean 'kling-3.0'?"],
      ],
    );
    assert.match(problems[0]!.expected!, /model id from the catalog/);
    // without a catalog, any non-empty id is accepted
    const sb = parseStoryboard(text, INLINE_FILE);
    assert.equal(sb.shots[0]?.model, 'kling3');
    assert.deepEqual(sb.policy.allow, ['veo-31', 'kling-3.0']);
  });

  test('an empty allow list allows nothing, which is an error', () => {
    expectProblem(topWith('policy: { allow: [] }'), {
      path: 'policy.allow',
      line: 6,
      col: 18,
      message: 'is empty, so no model would be allowed',
    });
  });

  test('a model both allowed and denied is a warning', () => {
    const sb = parseStoryboard(
      topWith('policy: { allow: [veo-3.1, sora-2], deny: [sora-2] }'),
      INLINE_FILE,
    );
    assert.deepEqual(
      sb.warnings.map((w) => [w.path, w.message]),
      [['policy.allow[1]', "'sora-2' is both allowed and denied; it will not be used"]],
    );
  });

  test('policy values are typed', () => {
    const problems = problemsOf(
      lines(
        ...HEAD,
        'policy:',
        '  optimize: costs',
        '  local_only: "yes"',
        '  max_vram_gb: 0',
        '  licenses: []',
        '  allow_upscale: 1',
        'shots: [{ id: a, prompt: p, duration: 2 }]',
      ),
    );
    assert.deepEqual(
      problems.map((p) => [p.path, p.line, p.col, p.message, p.hint]),
      [
        [
          'policy.optimize',
          7,
          13,
          'must be quality, cost, speed or balanced',
          "did you mean 'cost'?",
        ],
        ['policy.local_only', 8, 15, 'must be true or false', 'write true, without quotes'],
        ['policy.max_vram_gb', 9, 16, 'must be greater than 0', undefined],
        [
          'policy.licenses',
          10,
          13,
          'is empty, so no open-weight model would be allowed',
          undefined,
        ],
        ['policy.allow_upscale', 11, 18, 'must be true or false', undefined],
      ],
    );
    expectProblem(topWith('policy: { max_vram_gb: 2000 }'), {
      path: 'policy.max_vram_gb',
      line: 6,
      col: 24,
      message: 'must be at most 1024',
    });
  });
});

describe('syntax', () => {
  test('a YAML syntax error is reported with its position', () => {
    const problems = problemsOf(
      lines('version: 1', 'title: T', 'deliver: { resolution: 720p', 'shots: []'),
    );
    assert.deepEqual(
      problems.map((p) => [p.path, p.line, p.col, p.message]),
      [
        [
          '',
          4,
          1,
          'syntax error: Flow map in block collection must be sufficiently indented and end with a }',
        ],
      ],
    );
    const tab = problemsOf(lines(...HEAD, 'shots:', '\t- { id: a }'));
    assert.deepEqual(
      [tab[0]?.line, tab[0]?.col, tab[0]?.message],
      [7, 1, 'syntax error: Tabs are not allowed as indentation'],
    );
  });

  test('a duplicate key names the key', () => {
    const problem = expectProblem(
      withShot('  - id: a', '    prompt: p', '    duration: 2', '    duration: 3'),
      {
        path: '',
        line: 10,
        col: 5,
      },
    );
    assert.equal(
      problem.message,
      "duplicate key 'duration': a key may appear only once in a mapping",
    );
  });

  test('a duplicate key in JSON is reported too', () => {
    const problems = problemsOf(
      '{"version": 1, "version": 1}',
      {},
      INLINE_FILE.replace(/yaml$/, 'json'),
    );
    assert.equal(
      problems[0]?.message,
      "duplicate key 'version': a key may appear only once in a mapping",
    );
    assert.deepEqual([problems[0]?.line, problems[0]?.col], [1, 16]);
  });

  test('an alias to a missing anchor is a problem, not a crash', () => {
    const problems = problemsOf(lines('version: 1', 'title: *nothing'));
    assert.match(problems[0]!.message, /cannot read the document: .*nothing/);
  });

  test('merge keys share fields between shots', () => {
    const sb = parseStoryboard(
      lines(
        ...HEAD,
        'shots:',
        '  - &base { id: a, prompt: p, duration: 2, tags: [vfx] }',
        '  - { <<: *base, id: b }',
      ),
      INLINE_FILE,
    );
    assert.deepEqual(
      sb.shots.map((s) => [s.id, s.tags]),
      [
        ['a', ['vfx']],
        ['b', ['vfx']],
      ],
    );
  });
});

test('many problems are reported at once, sorted by position', () => {
  const text = lines(
    'version: 1',
    'title: T',
    'deliver: { resolution: 1921x1080, fps: 24 }',
    'budget_usd: -1',
    'shots:',
    '  - id: a',
    '    prompt: p',
    '    duration: 0',
    '    tags: [acton]',
    '  - id: a',
    '    prompt: ""',
    '    duration: 2',
    '    takes: 0',
    '    extra: 1',
  );
  const problems = problemsOf(text);
  assert.deepEqual(
    problems.map((p) => `${p.line}:${p.col} ${p.path}`),
    [
      '3:24 deliver.resolution',
      '4:13 budget_usd',
      '8:15 shots[0].duration',
      '9:12 shots[0].tags[0]',
      '10:9 shots[1].id',
      '11:13 shots[1].prompt',
      '13:12 shots[1].takes',
      '14:5 shots[1].extra',
    ],
  );
  assert.equal(problemAt(problems, 'shots[0].tags[0]').hint, "did you mean 'action'?");
});

describe('slow-motion policy and real people', () => {
  test('policy.slowmo is one of auto, native, interpolate, prompt; real_person is true or false', () => {
    const problems = problemsOf(
      lines(
        ...HEAD,
        'policy: { slowmo: natve }',
        'characters: { mara: { references: [], real_person: "yes" } }',
        'shots: [{ id: a, prompt: p, duration: 2, real_person: 1 }]',
      ),
    );
    assert.deepEqual(
      problems.map((p) => [p.path, p.message, p.hint]),
      [
        ['policy.slowmo', 'must be auto, native, interpolate or prompt', "did you mean 'native'?"],
        ['characters.mara.real_person', 'must be true or false', 'write true, without quotes'],
        ['shots[0].real_person', 'must be true or false', undefined],
      ],
    );
  });

  test('real_person marks the references a shot carries: its own, or its characters', () => {
    const sb = parseStoryboard(
      lines(
        ...HEAD,
        'policy: { slowmo: prompt }',
        'characters:',
        '  mara: { references: ["https://example.test/m.png"], real_person: true }',
        '  toon: { references: ["https://example.test/t.png"] }',
        'shots:',
        '  - { id: a, prompt: p, duration: 2, characters: [mara] }',
        '  - { id: b, prompt: p, duration: 2, characters: [toon] }',
        '  - { id: c, prompt: p, duration: 2, references: ["https://example.test/x.png"], real_person: true }',
        '  - { id: d, prompt: p, duration: 2, real_person: true }',
      ),
      INLINE_FILE,
    );
    assert.equal(sb.policy.slowmo, 'prompt');
    assert.equal(sb.characters.mara!.realPerson, true);
    assert.deepEqual(
      sb.shots.map((s) => s.needs.realPerson === true),
      [true, false, true, false],
    );
  });
});
