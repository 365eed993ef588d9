import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { loadStoryboard, parseStoryboard } from '../../src/storyboard/load.ts';
import type { Shot, Storyboard } from '../../src/storyboard/types.ts';
import { EXAMPLE_DIR, HEAD, INLINE_FILE, lines } from './helpers.ts';

const YAML_FILE = path.join(EXAMPLE_DIR, 'storyboard.yaml');
const JSON_FILE = path.join(EXAMPLE_DIR, 'storyboard.json');
const MODELS = ['veo-3.1', 'kling-3.0', 'sora-2', 'wan-2.2'];

// the fixture images are 8x8 PNGs; their size is read from the header
const ref = (name: string) => ({
  spec: `refs/${name}`,
  path: path.join(EXAMPLE_DIR, 'refs', name),
  size: { width: 8, height: 8 },
});

function shot(storyboard: Storyboard, id: string): Shot {
  const found = storyboard.shots.find((s) => s.id === id);
  assert.ok(found, `shot ${id}`);
  return found;
}

describe("the spec's example storyboard", () => {
  const storyboard = loadStoryboard(YAML_FILE, { knownModels: MODELS });

  test('top-level fields', () => {
    assert.equal(storyboard.file, YAML_FILE);
    assert.equal(storyboard.dir, EXAMPLE_DIR);
    assert.equal(storyboard.version, 1);
    assert.equal(storyboard.title, 'Aurora launch film');
    assert.equal(storyboard.asOf, '2026-11-26');
    assert.deepEqual(storyboard.deliver, {
      size: { width: 1920, height: 1080 },
      fps: 24,
      audio: true,
    });
    assert.equal(storyboard.budgetUsd, 40);
    assert.deepEqual(storyboard.policy, {
      optimize: 'balanced',
      allow: ['veo-3.1', 'kling-3.0'],
      deny: ['sora-2'],
      localOnly: false,
      maxVramGb: 24,
      licenses: ['apache-2.0'],
      allowUpscale: false,
      allowRetired: false,
    });
    assert.deepEqual(storyboard.warnings, []);
  });

  test('characters carry their resolved references', () => {
    assert.deepEqual(storyboard.characters.mara, {
      name: 'mara',
      description: 'woman in her 30s, red raincoat, short black hair',
      references: [ref('mara-front.png'), ref('mara-side.png')],
    });
    assert.deepEqual(storyboard.characters.teo?.references, [ref('teo.png')]);
  });

  test('shots keep their order, index and position', () => {
    assert.deepEqual(
      storyboard.shots.map((s) => [s.index, s.id, s.position.line, s.position.col]),
      [
        [0, 's01', 28, 5],
        [1, 's02', 33, 5],
        [2, 's03', 42, 5],
        [3, 's04', 49, 5],
        [4, 's05', 55, 5],
        [5, 's06', 61, 5],
      ],
    );
  });

  test('s01: ambient sound is preferred, defaults applied', () => {
    const s01 = shot(storyboard, 's01');
    assert.deepEqual(s01.tags, ['establishing', 'cinematic', 'camera-move']);
    assert.deepEqual(s01.audio, { dialogue: [], ambient: 'gulls and surf', silent: false });
    assert.equal(s01.priority, 'normal');
    assert.equal(s01.takes, 1);
    assert.equal(s01.slowmo, 1);
    assert.equal(s01.continuous, false);
    assert.equal(s01.model, undefined);
    assert.deepEqual(s01.needs, {
      seconds: 6,
      size: { width: 1920, height: 1080 },
      orientation: 'landscape',
      targetFps: 24,
      audio: 'preferred',
      referenceImages: [],
      firstFrame: false,
      lastFrame: false,
    });
  });

  test('s02: dialogue requires audio; character references travel with the shot', () => {
    const s02 = shot(storyboard, 's02');
    assert.deepEqual(s02.characters, ['mara', 'teo']);
    assert.deepEqual(s02.audio.dialogue, [
      { speaker: 'mara', line: "You said you'd be back by spring." },
      { speaker: 'teo', line: "I said I'd try." },
    ]);
    assert.equal(s02.needs.audio, 'required');
    assert.equal(s02.needs.seconds, 12);
    assert.deepEqual(s02.needs.referenceImages, [
      ref('mara-front.png'),
      ref('mara-side.png'),
      ref('teo.png'),
    ]);
  });

  test('s03: slow motion halves generated seconds and raises the minimum fps', () => {
    const s03 = shot(storyboard, 's03');
    assert.equal(s03.slowmo, 2.5);
    assert.equal(s03.priority, 'hero');
    assert.deepEqual(s03.size, { width: 3840, height: 2160 });
    assert.equal(s03.needs.seconds, 1.6);
    assert.equal(s03.needs.targetFps, 24);
    assert.equal(s03.needs.minFps, 60);
    assert.equal(s03.needs.audio, 'none');
  });

  test('s04: a vertical shot with ingredient images', () => {
    const s04 = shot(storyboard, 's04');
    assert.deepEqual(s04.needs.size, { width: 1080, height: 1920 });
    assert.equal(s04.needs.orientation, 'portrait');
    assert.deepEqual(s04.references, [ref('watch.png'), ref('wrist.png'), ref('beach.png')]);
    assert.deepEqual(s04.needs.referenceImages, s04.references);
    assert.equal(s04.needs.minFps, undefined);
  });

  test('s05: first frame anchor, model pin and takes', () => {
    const s05 = shot(storyboard, 's05');
    assert.deepEqual(s05.firstFrame, ref('dial-start.png'));
    assert.equal(s05.lastFrame, undefined);
    assert.equal(s05.model, 'veo-3.1');
    assert.equal(s05.takes, 2);
    assert.equal(s05.needs.firstFrame, true);
    assert.equal(s05.needs.lastFrame, false);
  });

  test('s06: sequence', () => {
    assert.equal(shot(storyboard, 's06').sequence, 'montage');
  });

  test('the same storyboard written as JSON gives the same result', () => {
    const fromJson = loadStoryboard(JSON_FILE, { knownModels: MODELS });
    const strip = (s: Storyboard) => ({
      ...s,
      file: '',
      shots: s.shots.map((x) => ({ ...x, position: { line: 0, col: 0 } })),
    });
    assert.deepEqual(strip(fromJson), strip(storyboard));
    // positions point into the JSON text: each shot's opening brace
    assert.deepEqual(fromJson.shots[0]?.position, { line: 44, col: 5 });
  });
});

describe('defaults', () => {
  const storyboard = parseStoryboard(
    lines(...HEAD, 'shots:', '  - id: a', '    prompt: p', '    duration: 2'),
    INLINE_FILE,
  );

  test('an omitted policy, audio and shot fields take their defaults', () => {
    assert.equal(storyboard.deliver.audio, true);
    assert.deepEqual(storyboard.policy, {
      optimize: 'balanced',
      deny: [],
      localOnly: false,
      allowUpscale: false,
      allowRetired: false,
    });
    assert.deepEqual(storyboard.characters, {});
    assert.equal(storyboard.asOf, undefined);
    assert.equal(storyboard.budgetUsd, undefined);
    const [a] = storyboard.shots;
    assert.ok(a);
    assert.deepEqual(
      {
        size: a.size,
        fps: a.fps,
        priority: a.priority,
        takes: a.takes,
        slowmo: a.slowmo,
        continuous: a.continuous,
        audio: a.audio,
        characters: a.characters,
        references: a.references,
        tags: a.tags,
      },
      {
        size: { width: 1920, height: 1080 },
        fps: 24,
        priority: 'normal',
        takes: 1,
        slowmo: 1,
        continuous: false,
        audio: { dialogue: [], silent: false },
        characters: [],
        references: [],
        tags: [],
      },
    );
    assert.equal(a.needs.audio, 'none');
    assert.equal(a.needs.orientation, 'landscape');
  });

  test('a shot overrides resolution and fps; a square size is square', () => {
    const sb = parseStoryboard(
      lines(
        ...HEAD,
        'shots:',
        '  - { id: a, prompt: p, duration: 3, resolution: 1080x1080, fps: 29.97, slowmo: 2 }',
      ),
      INLINE_FILE,
    );
    const a = sb.shots[0]!;
    assert.deepEqual(a.needs.size, { width: 1080, height: 1080 });
    assert.equal(a.needs.orientation, 'square');
    assert.equal(a.needs.targetFps, 29.97);
    assert.equal(a.needs.minFps, 59.94);
    assert.equal(a.needs.seconds, 1.5);
  });
});

describe('derived audio needs', () => {
  const board = (deliverAudio: boolean, audio: string) =>
    parseStoryboard(
      lines(
        'version: 1',
        'title: Test',
        `deliver: { resolution: 720p, fps: 25, audio: ${deliverAudio} }`,
        'characters: { mara: }',
        'shots:',
        `  - { id: a, prompt: p, duration: 3, audio: ${audio} }`,
      ),
      INLINE_FILE,
    ).shots[0]!.needs.audio;

  test('dialogue: required; ambient or sfx: preferred; nothing: none', () => {
    assert.equal(board(true, '{ dialogue: [{ speaker: mara, line: hi }] }'), 'required');
    assert.equal(board(true, '{ ambient: wind }'), 'preferred');
    assert.equal(board(true, '{ sfx: a door slams }'), 'preferred');
    assert.equal(board(true, '{}'), 'none');
  });

  test('a silent shot or a silent cut needs no audio', () => {
    assert.equal(board(true, '{ dialogue: [{ speaker: mara, line: hi }], silent: true }'), 'none');
    assert.equal(board(false, '{ dialogue: [{ speaker: mara, line: hi }] }'), 'none');
    assert.equal(board(false, '{ ambient: wind }'), 'none');
  });
});

describe('reference images', () => {
  test('are deduplicated across the shot and its characters, URLs kept as written', () => {
    const sb = parseStoryboard(
      lines(
        ...HEAD,
        'characters:',
        '  mara: { references: [refs/mara-front.png, https://example.com/mara.png] }',
        '  teo: { references: [refs/mara-front.png, ./refs/teo.png] }',
        'shots:',
        '  - id: a',
        '    prompt: p',
        '    duration: 3',
        '    characters: [mara, teo]',
        '    references: [refs/teo.png, https://example.com/mara.png]',
        '    last_frame: https://example.com/end.jpg?size=large',
      ),
      INLINE_FILE,
    );
    const a = sb.shots[0]!;
    assert.deepEqual(a.needs.referenceImages, [
      ref('teo.png'),
      { spec: 'https://example.com/mara.png', url: 'https://example.com/mara.png' },
      ref('mara-front.png'),
    ]);
    assert.deepEqual(a.lastFrame, {
      spec: 'https://example.com/end.jpg?size=large',
      url: 'https://example.com/end.jpg?size=large',
    });
    assert.equal(a.needs.lastFrame, true);
  });
});
