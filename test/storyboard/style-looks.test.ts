/**
 * The fields that say what the picture looks like: the top-level `style`, a shot's own `style`
 * and `negative`, a character's `looks` picked as `name@look`, and `narrator: true`.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseStoryboard } from '../../src/storyboard/load.ts';
import { HEAD, INLINE_FILE, lines, problemsOf } from './helpers.ts';

const CAST = [
  'characters:',
  '  mara:',
  '    description: a diver in her fifties',
  '    references: [refs/mara-front.png]',
  '    looks:',
  '      wet:',
  '        description: soaked wetsuit, hair plastered down',
  '        references: [refs/mara-side.png]',
  '      old: grey hair, a cane',
  '  voice: { narrator: true }',
];

describe('style', () => {
  test('the top-level style reaches every shot; a shot’s own style and negative replace it', () => {
    const sb = parseStoryboard(
      lines(
        ...HEAD,
        'style:',
        '  prompt: 16mm documentary, natural light',
        '  negative: text, watermark',
        'shots:',
        '  - { id: a, prompt: p, duration: 2 }',
        '  - { id: b, prompt: p, duration: 2, style: anime cel shading, negative: blur }',
      ),
      INLINE_FILE,
    );
    assert.deepEqual(sb.style, {
      prompt: '16mm documentary, natural light',
      negative: 'text, watermark',
    });
    assert.deepEqual(
      sb.shots.map((s) => [s.style, s.negative]),
      [
        ['16mm documentary, natural light', 'text, watermark'],
        ['anime cel shading', 'blur'],
      ],
    );
  });

  test('`style: "…"` is the prompt alone; unknown style fields are errors with a hint', () => {
    const sb = parseStoryboard(
      lines(...HEAD, 'style: film noir', 'shots:', '  - { id: a, prompt: p, duration: 2 }'),
      INLINE_FILE,
    );
    assert.equal(sb.shots[0]!.style, 'film noir');
    assert.equal(sb.shots[0]!.negative, undefined);
    const [problem] = problemsOf(
      lines(...HEAD, 'style: { negatve: x }', 'shots:', '  - { id: a, prompt: p, duration: 2 }'),
    );
    assert.equal(problem!.path, 'style.negatve');
    assert.equal(problem!.message, "unknown field 'negatve'");
    assert.equal(problem!.hint, "did you mean 'negative'?");
  });
});

describe('looks', () => {
  test('a shot picks a look with name@look: its references come first, then the character’s', () => {
    const sb = parseStoryboard(
      lines(
        ...HEAD,
        ...CAST,
        'shots:',
        '  - { id: a, prompt: p, duration: 2, characters: [mara@wet] }',
        '  - { id: b, prompt: p, duration: 2, characters: [mara] }',
      ),
      INLINE_FILE,
    );
    const mara = sb.characters.mara!;
    assert.equal(mara.looks?.old?.description, 'grey hair, a cane');
    assert.deepEqual(sb.shots[0]!.looks, { mara: 'wet' });
    assert.deepEqual(sb.shots[0]!.characters, ['mara']);
    assert.deepEqual(
      sb.shots[0]!.needs.referenceImages.map((r) => r.spec),
      ['refs/mara-side.png', 'refs/mara-front.png'],
    );
    assert.equal(sb.shots[1]!.looks, undefined);
    assert.deepEqual(
      sb.shots[1]!.needs.referenceImages.map((r) => r.spec),
      ['refs/mara-front.png'],
    );
  });

  test('an unknown look is an error at file:line:col with a did-you-mean', () => {
    const problems = problemsOf(
      lines(
        ...HEAD,
        ...CAST,
        'shots:',
        '  - { id: a, prompt: p, duration: 2, characters: [mara@wett] }',
      ),
    );
    assert.deepEqual(
      problems.map((p) => [p.path, p.line, p.message, p.hint]),
      [['shots[0].characters[0]', 17, "'mara' has no look 'wett'", "did you mean 'mara@wet'?"]],
    );
  });
});

describe('narrator', () => {
  test('a narrator speaks without a warning and cannot be shown on screen', () => {
    const sb = parseStoryboard(
      lines(
        ...HEAD,
        ...CAST,
        'shots:',
        '  - id: a',
        '    prompt: p',
        '    duration: 2',
        '    audio: { dialogue: [{ speaker: voice, line: It began at sea. }] }',
      ),
      INLINE_FILE,
    );
    assert.equal(sb.characters.voice!.narrator, true);
    assert.deepEqual(sb.warnings, []);
    const [problem] = problemsOf(
      lines(
        ...HEAD,
        ...CAST,
        'shots:',
        '  - { id: a, prompt: p, duration: 2, characters: [voice] }',
      ),
    );
    assert.equal(problem!.message, "'voice' is a narrator, never shown on screen");
    assert.match(problem!.hint ?? '', /audio\.dialogue with speaker: voice/);
  });

  test('an undeclared speaker is one warning, at its first line, counting the others', () => {
    const shot = (id: string) => [
      `  - id: ${id}`,
      '    prompt: p',
      '    duration: 2',
      '    audio: { dialogue: [{ speaker: narrator, line: a }, { speaker: narrator, line: b }] }',
    ];
    const sb = parseStoryboard(
      lines(...HEAD, 'shots:', ...shot('a'), ...shot('b'), ...shot('c')),
      INLINE_FILE,
    );
    assert.deepEqual(
      sb.warnings.map((w) => [w.path, w.message]),
      [
        [
          'shots[0].audio.dialogue[0].speaker',
          "speaker 'narrator' is not one of the characters (and 5 more lines in 2 other shots)",
        ],
      ],
    );
    assert.match(sb.warnings[0]!.hint ?? '', /narrator: \{ narrator: true \}/);
  });
});
