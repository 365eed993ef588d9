/**
 * `shotrouter package`: a folder an editor opens anywhere (whole clips with handles, timelines
 * pointing inside it, FCPXML with the package's own URLs and a relink README), and its zip.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { inflateRawSync } from 'node:zlib';
import { main } from '../../src/cli/main.ts';
import { catalog, loadStoryboard, run } from '../../src/index.ts';
import { packageEdit } from '../../src/lib/package.ts';
import { readEdl, readFcpxml, readOtio } from '../../src/timeline/index.ts';
import { memoryIO } from '../cli/memory-io.ts';
import { TEMP_DIRS, THREE_SHOTS, tempDir } from './helpers.ts';

after(() => {
  for (const dir of TEMP_DIRS) fs.rmSync(dir, { recursive: true, force: true });
});

describe('package', () => {
  const dir = tempDir('package-run');
  before(async () => {
    const models = catalog();
    const storyboard = loadStoryboard(THREE_SHOTS, { catalog: models });
    const result = await run({ storyboard, catalog: models, dir, preview: true });
    assert.equal(result.state, 'finished');
  });

  test('whole clips with handles; OTIO and EDL relative, FCPXML for the package folder; a zip', async () => {
    const out = path.join(tempDir('package-out'), 'edit');
    const made = await packageEdit({ dir, out, zip: true });
    assert.equal(made.out, out);
    for (const name of [
      'timeline.otio',
      'timeline.fcpxml',
      'timeline.edl',
      'README.md',
      'report.json',
      'final.mp4',
    ]) {
      assert.ok(made.files.includes(name), `has ${name}`);
    }
    // s02 is 1.5 s cut from a longer generation: the whole clip is there, the trim selected
    const s02 = made.clips.find((c) => c.shot === 's02')!;
    assert.equal(s02.note, null);
    assert.ok(s02.handles.after > 1, JSON.stringify(s02));
    // s03 is slowed down: its clip is the shot, and the README says why
    const s03 = made.clips.find((c) => c.shot === 's03')!;
    assert.match(s03.note ?? '', /slow motion/);
    assert.match(fs.readFileSync(path.join(out, 'README.md'), 'utf8'), /Relink Files/);

    const otio = readOtio(fs.readFileSync(path.join(out, 'timeline.otio'), 'utf8'));
    const clips = otio.tracks[0]!.items.filter((i) => i.kind === 'clip');
    assert.equal(clips.length, 3);
    for (const clip of clips) {
      assert.match(clip.file!, /^media\//);
      assert.ok(fs.existsSync(path.join(out, clip.file!)), `${clip.file} is in the package`);
    }
    assert.ok((clips[1]!.mediaDuration ?? 0) > clips[1]!.duration, 'media longer than the shot');
    const edl = readEdl(fs.readFileSync(path.join(out, 'timeline.edl'), 'utf8'), 24);
    assert.ok(edl.tracks[0]!.items.some((i) => i.file?.startsWith('media/')));
    const fcpxml = fs.readFileSync(path.join(out, 'timeline.fcpxml'), 'utf8');
    assert.ok(fcpxml.includes(pathToFileURL(`${out}/media/`).href), 'URLs of the package folder');
    assert.ok(!fcpxml.includes(dir), 'nothing points back at the run folder');
    const read = readFcpxml(fcpxml);
    assert.ok(read.tracks[0]!.items.length >= 3);
    assert.ok(!/audioRole="dialogue"/.test(fcpxml), 'no shot here has dialogue');

    // the zip holds every file under the package's name, readable by any unzip
    const entries = readZip(fs.readFileSync(made.zip!));
    assert.deepEqual(entries.map((e) => e.name).sort(), made.files.map((f) => `edit/${f}`).sort());
    const report = entries.find((e) => e.name === 'edit/report.json')!;
    assert.deepEqual(report.data, fs.readFileSync(path.join(out, 'report.json')));

    // a second package into the same folder is refused: nothing is overwritten
    await assert.rejects(packageEdit({ dir, out }), /not empty/);
  });

  test('the command: usage errors, and the folder it wrote', async () => {
    const cwd = tempDir('package-cli');
    const missing = memoryIO(cwd);
    assert.equal(await main(['package', dir], missing.io), 64);
    assert.match(missing.stderr(), /--out PKG/);
    const t = memoryIO(cwd);
    assert.equal(await main(['package', dir, '--out', 'pkg', '--json'], t.io), 0, t.stderr());
    const result = JSON.parse(t.stdout());
    assert.equal(result.out, path.join(cwd, 'pkg'));
    assert.equal(result.zip, null);
  });
});

/** The entries of a zip, by its central directory; deflated ones inflated. */
function readZip(zip: Buffer): Array<{ name: string; data: Buffer }> {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const out = [];
  for (let i = 0; i < count; i++) {
    assert.equal(zip.readUInt32LE(at), 0x02014b50);
    const method = zip.readUInt16LE(at + 10);
    const compressed = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(start, start + compressed);
    out.push({ name, data: method === 8 ? inflateRawSync(raw) : Buffer.from(raw) });
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return out;
}
