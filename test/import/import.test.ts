/**
 * `shotrouter import` on real files of each format (test/fixtures/import: a MulmoScript shaped
 * after MulmoCast's schema, a three-scene Fountain screenplay, two CSV shot lists with different
 * headers and separators): each result validates, plans, and its preview renders a cut.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { emitStoryboard } from '../../src/import/emit.ts';
import { detectFormat, importFile, importText, secondsForText } from '../../src/import/index.ts';
import { catalog, loadStoryboard, plan, run } from '../../src/index.ts';
import { probe } from '../../src/media/index.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures/import/', import.meta.url));
const fixture = (name: string) => path.join(FIXTURES, name);
const models = catalog();
const temps: string[] = [];
after(() => {
  for (const dir of temps) fs.rmSync(dir, { recursive: true, force: true });
});

/** The fixtures copied to a fresh folder, so a storyboard can be written beside its images. */
function workspace(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shotrouter-import-'));
  temps.push(dir);
  fs.cpSync(FIXTURES, dir, { recursive: true });
  return dir;
}

interface Board {
  characters?: Record<string, { description?: string; references?: string[] }>;
  shots: {
    id: string;
    prompt: string;
    duration: number;
    characters?: string[];
    camera?: string;
    tags?: string[];
    audio?: { dialogue?: { speaker: string; line: string }[] };
    narration?: { text: string; speaker?: string };
    scene?: string;
  }[];
  style?: { prompt: string };
}

/** A fixture imported as if written beside it (so its images resolve), and the YAML read back. */
function imported(name: string, options: Parameters<typeof importFile>[1] = {}) {
  const result = importFile(fixture(name), { out: fixture('out.yaml'), ...options });
  return { ...result, ir: result.board, board: parseYaml(result.yaml) as Board };
}

describe('MulmoScript', () => {
  const { yaml, board, ir, storyboard } = imported('harbour-lights.json');

  test('beats become shots; hidden beats are left out and said so', () => {
    assert.deepEqual(
      board.shots.map((s) => s.id),
      ['dawn', 'b02', 'b03', 'b04', 'b05', 'b07'],
    );
    assert.match(yaml, /# beats\[5\] \(line \d+\) is hidden: left out/);
    assert.equal(storyboard.title, 'Harbour Lights');
    assert.deepEqual(storyboard.deliver.size, { width: 1280, height: 720 });
  });

  test('prompts from imagePrompt and moviePrompt; a slide beat from its words', () => {
    const b02 = board.shots[1]!;
    assert.match(b02.prompt, /^Ines at the wheel.*She turns the wheel slowly/);
    assert.equal(board.shots[4]!.prompt, 'The crossing takes twenty minutes.');
    assert.match(yaml, /the beat shows a textSlide/);
  });

  test("a beat's imagePrompt is a still the shot starts from", () => {
    const images = storyboard.images ?? {};
    const b01 = storyboard.shots[0]!;
    assert.equal(b01.firstFrame?.image, `${b01.id}-still`);
    assert.match(images[`${b01.id}-still`]!.generate!.prompt, /^A small white ferry leaving/);
    assert.deepEqual(images[`${b01.id}-still`]!.generate!.size, { width: 1280, height: 720 });
    // a slide beat has no imagePrompt: no still, no first frame
    assert.equal(storyboard.shots[4]!.firstFrame, undefined);
    assert.equal(
      Object.keys(images).length,
      ir.shots.filter((s) => s.firstFrameImage !== undefined).length,
    );
    assert.ok(yaml.includes(`\n    first_frame: { image: ${b01.id}-still }\n`));
    const routed = plan(storyboard, models);
    assert.ok(routed.images!.every((i) => i.model !== null && i.used_by.length === 1));
  });

  test('named images are characters: a prompt describes, a picture is a reference', () => {
    assert.match(board.characters!.ines!.description!, /^A ferry captain in her fifties/);
    assert.deepEqual(board.characters!.ferry!.references, ['refs/ferry.png']);
    assert.equal(board.characters!.gulls, undefined, 'a moviePrompt is not a character');
    assert.deepEqual(board.shots[0]!.characters, ['ferry']);
    assert.deepEqual(board.shots[2]!.characters, ['ines', 'ferry'], 'no imageNames: every image');
  });

  test('durations: given where given, else from the words at 2.5 a second', () => {
    assert.equal(board.shots[2]!.duration, 3);
    // 17 words → 6.8 s → 7 s
    assert.equal(board.shots[0]!.duration, 7);
    assert.match(yaml, /duration: 7 # from the text at 2\.5 words a second/);
  });

  test("a given duration too short for the beat's words gives way to them", () => {
    const script = JSON.stringify({
      $mulmocast: { version: '1.1' },
      beats: [
        { text: 'Short.', duration: 5, imagePrompt: 'A buoy in fog' },
        { text: Array(20).fill('word').join(' '), duration: 3, imagePrompt: 'A buoy at night' },
      ],
    });
    const result = importText(script, fixture('buoys.json'), { out: fixture('out.yaml') });
    assert.equal(result.format, 'mulmo');
    assert.deepEqual(
      result.storyboard.shots.map((s) => s.duration),
      [5, 8],
    );
  });

  test('style and narration are fields; speakers are voices', () => {
    assert.match(board.style!.prompt, /^Soft watercolour illustration/);
    assert.deepEqual(storyboard.shots[0]!.narration, {
      text: board.shots[0]!.narration!.text,
      speaker: 'Narrator',
    });
    assert.match(storyboard.shots[0]!.narration!.text, /^Every morning before the town woke/);
    assert.deepEqual(storyboard.voices, {
      Narrator: { model: 'gpt-4o-mini-tts', voice: 'sage' },
      Ines: { model: 'gpt-4o-mini-tts', voice: 'nova' },
    });
    assert.match(yaml, /# from harbour-lights\.json:\d+, speechParams\.speakers\.Narrator/);
    assert.match(yaml, /# this shot's own style: Ink drawing/);
    assert.match(yaml, /# from harbour-lights\.json:\d+, beats\[0\]/);
  });

  test('switched off, narration and voices are written as comments in the same places', () => {
    const comments = emitStoryboard(ir, { style: true, scene: true, narration: false });
    assert.match(comments, /# narration\.text: Every morning before the town woke/);
    assert.match(comments, /# narration\.speaker: Narrator/);
    assert.match(comments, /# voices\.Ines\.voice: nova/);
    const fields = parseYaml(comments) as Board;
    assert.equal(fields.shots[3]!.narration, undefined);
    const on = parseYaml(emitStoryboard(ir)) as Board;
    assert.deepEqual(on.shots[3]!.narration, {
      text: 'Hold on to something, the tide is turning.',
      speaker: 'Ines',
    });
    assert.equal(on.shots[2]!.narration, undefined, 'a beat without words has none');
  });

  test('a speaker on a provider no catalog voice offers gets the default voice, said why', () => {
    const script = JSON.stringify({
      $mulmocast: { version: '1.1' },
      speechParams: {
        provider: 'nijivoice',
        speakers: {
          Host: { voiceId: 'abc-123' },
          Guest: { provider: 'elevenlabs', voiceId: 'xyz', speechOptions: { instruction: 'calm' } },
        },
      },
      beats: [
        { text: 'Hello.', speaker: 'Host', imagePrompt: 'A studio' },
        { text: 'Hi.', speaker: 'Guest', imagePrompt: 'A guest' },
      ],
    });
    const result = importText(script, fixture('voices.json'), { out: fixture('out.yaml') });
    assert.deepEqual(result.storyboard.voices, {
      Host: {},
      Guest: { model: 'eleven-multilingual-v2', voice: 'xyz', notes: 'calm' },
    });
    assert.match(result.yaml, /reads Host with nijivoice voice abc-123, which no catalog voice/);
  });
});

describe('Fountain', () => {
  const { yaml, board, ir, storyboard } = imported('night-ferry.fountain');

  test('scene headings are scenes; action paragraphs and runs of dialogue are shots', () => {
    assert.equal(storyboard.title, 'The Night Ferry');
    assert.deepEqual(
      ir.scenes.map((s) => [s.id, s.heading]),
      [
        ['sc01', 'EXT. FERRY TERMINAL - NIGHT'],
        ['sc02', 'INT. FERRY SALOON - NIGHT'],
        ['sc3A', 'UPPER DECK'],
      ],
    );
    assert.deepEqual(
      board.shots.map((s) => s.id),
      [
        'sc01-01',
        'sc01-02',
        'sc01-03',
        'sc01-04',
        'sc01-05',
        'sc02-01',
        'sc02-02',
        'sc02-03',
        'sc3A-01',
      ],
    );
    assert.equal(board.shots[0]!.scene, 'EXT. FERRY TERMINAL - NIGHT');
    assert.match(yaml, /# from night-ferry\.fountain:14\n {2}- id: sc01-04/);
  });

  test('dialogue keeps its speakers and lines; parentheticals colour the prompt', () => {
    const talk = board.shots[3]!;
    assert.deepEqual(talk.characters, ['rui', 'margarida']);
    assert.deepEqual(talk.audio!.dialogue, [
      { speaker: 'rui', line: 'One for the last crossing, please.' },
      { speaker: 'margarida', line: 'It left ten minutes ago.' },
      { speaker: 'rui', line: 'There has to be another one.' },
    ]);
    assert.equal(
      talk.prompt,
      'Rui (breathless) and Margarida (without looking up) talk. Exterior, ferry terminal, night.',
    );
    assert.ok(talk.tags!.includes('dialogue') && talk.tags!.includes('multi-character'));
  });

  test('characters are described where they are first introduced', () => {
    assert.deepEqual(Object.keys(board.characters!), ['rui', 'margarida', 'the-captain']);
    assert.match(board.characters!.rui!.description!, /^RUI \(20s\), soaked to the skin/);
    assert.match(board.characters!['the-captain']!.description!, /a tall man with a white beard/);
  });

  test('voice-over is narration; notes are comments; boneyard, transitions and title cards are not shots', () => {
    assert.match(
      storyboard.shots.find((s) => s.narration)!.narration!.text,
      /^The night boat runs for those who miss the day boat/,
    );
    assert.match(yaml, /# note: Rain machine needed for the whole scene\./);
    assert.doesNotMatch(yaml, /Row, row|CUT TO|THE END/);
    assert.ok(board.shots.every((s) => !s.audio?.dialogue?.some((d) => /night boat/.test(d.line))));
  });
});

describe('the scene switched on', () => {
  test('each shot carries its scene heading as a field, and no heading comment', () => {
    const { ir } = imported('night-ferry.fountain');
    const yaml = emitStoryboard(ir, { style: false, scene: true, narration: false });
    const board = parseYaml(yaml) as Board;
    assert.equal(board.shots[0]!.scene, 'EXT. FERRY TERMINAL - NIGHT');
    assert.equal(board.shots.at(-1)!.scene, 'UPPER DECK');
    assert.doesNotMatch(yaml, /# EXT\. FERRY TERMINAL/);
  });
});

describe('CSV shot lists', () => {
  test('a studio list: headers as written, durations in several spellings, sizes in words', () => {
    const { board, yaml } = imported('shotlist-studio.csv');
    assert.deepEqual(
      board.shots.map((s) => [s.id, s.duration]),
      [
        ['sc1-1', 6],
        ['sc1-2', 4],
        ['sc1-3', 3],
        ['sc2-1', 4.5],
        ['sc2-2', 5],
      ],
    );
    assert.equal(board.shots[0]!.camera, 'extreme wide shot, Drone push-in');
    assert.deepEqual(board.shots[0]!.tags, ['establishing', 'camera-move']);
    assert.deepEqual(board.shots[4]!.characters, ['mara', 'teo']);
    assert.match(yaml, /# notes: Needs a second take, wind\n {2}- id: sc2-2/);
    assert.match(yaml, /# from shotlist-studio\.csv:5, row 4\n(?:.*\n){1,3}?.*scene: Scene 2/);
  });

  test('an agency list: semicolons, other header words, quoted line breaks, timecodes, dialogue', () => {
    const { board } = imported('shotlist-agency.csv');
    assert.deepEqual(
      board.shots.map((s) => [s.id, s.duration]),
      [
        ['sc4-1A', 5],
        ['sc4-1B', 4.5],
        ['sc4-2', 4],
        ['sc5-1', 6],
        ['sc5-2', 65],
      ],
    );
    assert.equal(board.shots[1]!.camera, 'medium close-up, 50mm, tilt up');
    assert.equal(
      board.shots[3]!.prompt,
      'Through the storm glass: a small boat fighting the waves, its lights vanishing and coming back',
    );
    assert.deepEqual(board.shots[2]!.audio!.dialogue, [
      { speaker: 'keeper', line: 'Not tonight, not again.' },
    ]);
    assert.match(board.shots[4]!.prompt, /a "thank you" nobody hears$/);
    assert.deepEqual(board.shots[4]!.characters, ['keeper', 'skipper']);
  });

  test('an unknown header is named by --map; without it the error says how', () => {
    const text = 'Take,Picture,Secs\n1,A kite over the dunes,3\n';
    const file = fixture('kites.csv');
    assert.throws(
      () => importText(text, file, { out: fixture('out.yaml') }),
      (error: Error) =>
        /--map description=HEADER/.test(error.message) && /'Picture'/.test(error.message),
    );
    const result = importText(text, file, {
      out: fixture('out.yaml'),
      map: { description: 'Picture', shot: 'Take' },
    });
    assert.deepEqual(
      result.storyboard.shots.map((s) => [s.id, s.prompt, s.duration]),
      [['s1', 'A kite over the dunes', 3]],
    );
  });

  test('a title row above the header is the title', () => {
    const text =
      'Harbour film - shot list;;;\n;;;\nShot;Size;Description;Duration\n1;WS;The harbour wall in fog;4\n';
    assert.equal(detectFormat(text, 'list.txt'), 'csv');
    const result = importText(text, fixture('list.txt'), { out: fixture('out.yaml') });
    assert.equal(result.storyboard.title, 'Harbour film - shot list');
    assert.deepEqual(
      result.storyboard.shots.map((s) => [s.id, s.camera, s.duration]),
      [['s1', 'wide shot', 4]],
    );
  });

  test('durations are clamped to what the format allows', () => {
    const text =
      'Shot,Description,Duration\n1,A long take of the tide coming in,900\n2,A blink,0.5\n';
    const shots = importText(text, fixture('tide.csv'), { out: fixture('out.yaml') }).storyboard
      .shots;
    assert.deepEqual(
      shots.map((s) => s.duration),
      [600, 0.5],
    );
  });
});

describe('durations from text', () => {
  test('2.5 words a second, rounded up to the half second, at least 2 s', () => {
    assert.equal(secondsForText('one two'), 2);
    assert.equal(secondsForText(Array(25).fill('word').join(' ')), 10);
    assert.equal(secondsForText(Array(26).fill('word').join(' ')), 10.5);
    // 30 CJK characters at 7.5 a second
    assert.equal(secondsForText('海'.repeat(30)), 4);
    assert.equal(secondsForText(Array(5000).fill('word').join(' ')), 600);
  });
});

describe('formats are told apart', () => {
  test('by content and name; a storyboard is none of them', () => {
    const read = (name: string) => fs.readFileSync(fixture(name), 'utf8');
    assert.equal(detectFormat(read('harbour-lights.json'), 'script.json'), 'mulmo');
    assert.equal(detectFormat(read('night-ferry.fountain'), 'night-ferry.txt'), 'fountain');
    assert.equal(detectFormat(read('shotlist-studio.csv'), 'list.txt'), 'csv');
    assert.equal(detectFormat(read('shotlist-agency.csv'), 'list.txt'), 'csv');
    const storyboard = fs.readFileSync(
      fileURLToPath(new URL('../../examples/launch-film.yaml', import.meta.url)),
      'utf8',
    );
    assert.equal(detectFormat(storyboard, 'launch-film.yaml'), undefined);
    assert.throws(
      () => importText(storyboard, '/tmp/launch-film.yaml'),
      /cannot tell which format this is[\s\S]*--from mulmo\|fountain\|csv/,
    );
  });
});

describe('every import validates, plans and previews', () => {
  const SOURCES = [
    'harbour-lights.json',
    'night-ferry.fountain',
    'shotlist-studio.csv',
    'shotlist-agency.csv',
  ];
  for (const name of SOURCES) {
    test(name, async () => {
      const dir = workspace();
      const out = path.join(dir, `${name}.yaml`);
      // a small frame keeps the preview quick; the durations are the import's own
      const result = importFile(path.join(dir, name), { out, resolution: '320x180', fps: 24 });
      fs.writeFileSync(out, result.yaml);
      const storyboard = loadStoryboard(out, { catalog: models });
      assert.equal(storyboard.shots.length, result.board.shots.length);
      const routed = plan(storyboard, models);
      for (const shot of routed.shots) assert.ok(shot.model, `${name}: ${shot.id} has a model`);
      assert.ok(routed.budget_usd === null && routed.total.usd > 0, 'an estimate, no budget');

      // The preview renders every second asked for: the import's durations (30 to 85 s a file)
      // would take minutes, so the preview runs the same storyboard with one-second shots.
      const short = path.join(dir, `${name}.short.yaml`);
      fs.writeFileSync(
        short,
        result.yaml.replace(/^( {4}duration: )[\d.]+.*$/gm, (_, key: string) => `${key}1`),
      );
      const previewed = loadStoryboard(short, { catalog: models });
      const routedShort = plan(previewed, models);
      const cut = await run({
        storyboard: previewed,
        catalog: models,
        plan: routedShort,
        dir: path.join(dir, 'run'),
        preview: true,
      });
      assert.equal(cut.state, 'finished');
      assert.deepEqual(cut.failed, []);
      const seconds = previewed.shots.length;
      const media = await probe(cut.final!);
      assert.ok(
        Math.abs(media.durationSeconds - seconds) <= 0.1,
        `${media.durationSeconds} ≈ ${seconds}`,
      );
    });
  }
});
