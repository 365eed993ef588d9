/**
 * Pictures for the board: takes' posters and strips and the cut's strip, made once per clip
 * content and served to be cached; reference images beside the prompt, served only when the
 * storyboard names them; the spend over time in the overview.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { PictureCache, stripFrames } from '../../src/lib/pictures.ts';
import { solidPng } from '../../src/util/png.ts';
import { fakeTools } from '../engine/helpers.ts';
import { payingRegistry, TEMP_DIRS, THREE_SHOTS, TWO_TAKES, tempDir } from '../lib/helpers.ts';
import { call, storyboardForm, testServer } from './helpers.ts';

after(() => {
  for (const dir of TEMP_DIRS) fs.rmSync(dir, { recursive: true, force: true });
});

/** A JPEG's pixel size, from ffprobe. */
function jpegSize(bytes: Buffer): [number, number] {
  const file = path.join(tempDir('picture'), 'p.jpg');
  fs.writeFileSync(file, bytes);
  const out = execFileSync('ffprobe', [
    ...['-v', 'error', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', file],
  ]).toString();
  const [w, h] = out.trim().split(',').map(Number);
  return [w!, h!];
}

async function fetchBytes(
  server: ReturnType<typeof testServer>,
  url: string,
): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
  const response = await server.app.request(`http://127.0.0.1:4400${url}`);
  return {
    status: response.status,
    headers: response.headers,
    bytes: Buffer.from(await response.arrayBuffer()),
  };
}

describe('PictureCache', () => {
  test('the same content is made once; changed content gets a new picture', async () => {
    const dir = tempDir('pictures');
    const clip = path.join(dir, 'clip.mp4');
    const make = (source: string) =>
      execFileSync('ffmpeg', [
        ...['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi'],
        ...['-i', `${source}=s=320x180:d=2:r=24`, '-pix_fmt', 'yuv420p', clip],
      ]);
    make('testsrc');
    const cache = new PictureCache();
    const first = { sha256: 'a'.repeat(64), bytes: fs.statSync(clip).size };
    const [p1, p2] = await Promise.all([
      cache.picture(path.join(dir, 'pictures'), clip, first, 'poster'),
      cache.picture(path.join(dir, 'pictures'), clip, first, 'poster'),
    ]);
    assert.equal(p1, p2);
    assert.equal(cache.made, 1, 'two requests at once: one ffmpeg run');
    const made = fs.statSync(p1);
    assert.equal(await cache.picture(path.join(dir, 'pictures'), clip, first, 'poster'), p1);
    assert.equal(cache.made, 1, 'asked again: kept, not made again');
    assert.equal(fs.statSync(p1).mtimeMs, made.mtimeMs);
    // another cache (a restarted server) finds the file by its name
    const restarted = new PictureCache();
    await restarted.picture(path.join(dir, 'pictures'), clip, first, 'poster');
    assert.equal(restarted.made, 0);

    make('smptebars');
    const second = { sha256: 'b'.repeat(64), bytes: fs.statSync(clip).size };
    const p3 = await cache.picture(path.join(dir, 'pictures'), clip, second, 'poster');
    assert.notEqual(p3, p1, 'a changed take: a new poster');
    assert.notDeepEqual(fs.readFileSync(p3), fs.readFileSync(p1));
    assert.equal(cache.made, 2);

    const strip = await cache.picture(path.join(dir, 'pictures'), clip, second, 'strip');
    assert.deepEqual(jpegSize(fs.readFileSync(strip)), [160 * stripFrames(2), 90]);
    await assert.rejects(
      cache.picture(dir, clip, { sha256: '../../x', bytes: 1 }, 'poster'),
      /not a clip's content/,
    );
  });
});

describe('pictures over the API', () => {
  test('posters and strips of takes, the cut strip, references and spend over time', async () => {
    const server = testServer();
    try {
      // the two-take storyboard with a reference image beside a prompt
      const board = path.join(tempDir('pictures-board'), 'refs.yaml');
      fs.writeFileSync(
        board,
        fs
          .readFileSync(TWO_TAKES, 'utf8')
          .replace('    tags: [b-roll]\n', '    tags: [b-roll]\n    references: [refs/look.png]\n'),
      );
      const created = await call(server, 'POST', '/api/projects', {
        form: storyboardForm(board, [{ name: 'refs/look.png', data: solidPng(16, 9) }]),
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const id = created.body.project.id;
      const a1 = created.body.shots.find((s: { id: string }) => s.id === 'a1');
      assert.equal(a1.references.length, 1);
      assert.equal(a1.references[0].role, 'reference');
      assert.equal(created.body.cut, null, 'no cut before a run');
      assert.deepEqual(created.body.spend_over_time, []);
      const ref = await fetchBytes(server, a1.references[0].url);
      assert.equal(ref.status, 200);
      assert.equal(ref.headers.get('content-type'), 'image/png');
      assert.deepEqual(ref.bytes, solidPng(16, 9));

      // only what the storyboard names is served: no other path, no other file
      const project = server.projects.open(id)!;
      fs.writeFileSync(path.join(project.dir, 'refs', `${'c'.repeat(64)}.png`), solidPng(4, 4));
      for (const url of [
        `/api/projects/${id}/refs/${'c'.repeat(64)}.png`,
        `/api/projects/${id}/refs/..%2Fproject.json`,
        `/api/projects/${id}/refs/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd`,
        `/api/projects/${id}/refs/../project.json`,
      ]) {
        const refused = await fetchBytes(server, url);
        assert.ok([400, 404].includes(refused.status), `${url}: HTTP ${refused.status}`);
        assert.doesNotMatch(refused.bytes.toString(), /"storyboard_name"|root:/);
      }

      await call(server, 'POST', `/api/projects/${id}/runs`, { json: { preview: true } });
      await server.idle();
      const overview = (await call(server, 'GET', `/api/projects/${id}`)).body;
      const takes = overview.shots.flatMap((s: { takes: unknown[] }) => s.takes) as Array<{
        url: string;
        poster_url: string;
        strip_url: string;
      }>;
      assert.equal(takes.length, 3);
      const take = takes[0]!;
      assert.equal(take.poster_url, `${take.url}/poster`);

      // two requests at once, then a third: one file, made once, served to be kept
      const [one, two] = await Promise.all([
        fetchBytes(server, take.poster_url),
        fetchBytes(server, take.poster_url),
      ]);
      assert.equal(one.status, 200);
      assert.equal(one.headers.get('content-type'), 'image/jpeg');
      assert.match(one.headers.get('cache-control') ?? '', /immutable/);
      assert.deepEqual(one.bytes, two.bytes);
      assert.deepEqual(jpegSize(one.bytes), [480, 270]);
      const pictures = path.join(project.dir, 'pictures');
      const posters = () => fs.readdirSync(pictures).filter((f) => f.endsWith('.poster.jpg'));
      assert.equal(posters().length, 1);
      const sha = path.basename(take.url).slice(0, 64);
      assert.match(posters()[0]!, new RegExp(`^${sha}-\\d+\\.poster\\.jpg$`));
      const before = fs.statSync(path.join(pictures, posters()[0]!));
      const again = await fetchBytes(server, take.poster_url);
      assert.deepEqual(again.bytes, one.bytes);
      assert.equal(fs.statSync(path.join(pictures, posters()[0]!)).mtimeMs, before.mtimeMs);
      const unchanged = await server.app.request(`http://127.0.0.1:4400${take.poster_url}`, {
        headers: { 'if-none-match': one.headers.get('etag')! },
      });
      assert.equal(unchanged.status, 304);

      const strip = await fetchBytes(server, take.strip_url);
      assert.equal(strip.status, 200);
      assert.equal(jpegSize(strip.bytes)[0], 160 * stripFrames(1));
      const missing = await fetchBytes(
        server,
        `/api/projects/${id}/media/${'d'.repeat(64)}.mp4/poster`,
      );
      assert.equal(missing.status, 404);

      // the cut: its strip by its version, its shots as boundaries
      const cut = overview.cut;
      assert.ok(cut, 'a cut after the run');
      assert.deepEqual(
        cut.shots.map((s: { id: string }) => s.id),
        ['a1', 'a2'],
      );
      assert.equal(cut.shots[1].start, cut.shots[0].seconds);
      assert.ok(Math.abs(cut.seconds - 2) < 0.1, `the cut lasts ${cut.seconds} s`);
      const version = overview.deliverables.find(
        (d: { name: string }) => d.name === 'final.mp4',
      ).version;
      assert.equal(cut.strip_url, `/api/projects/${id}/cut/strip?v=${version}`);
      const cutStrip = await fetchBytes(server, cut.strip_url);
      assert.equal(cutStrip.status, 200);
      assert.match(cutStrip.headers.get('cache-control') ?? '', /immutable/);
      const unversioned = await fetchBytes(server, `/api/projects/${id}/cut/strip`);
      assert.equal(unversioned.headers.get('cache-control'), 'no-cache');
      assert.deepEqual(unversioned.bytes, cutStrip.bytes);

      // a preview spends nothing: the line starts at the run and stays at zero
      assert.ok(overview.spend_over_time.length >= 1);
      assert.equal(overview.spend_over_time[0].usd, 0);
      assert.equal(overview.spend_over_time.at(-1).usd, overview.spend?.spent_usd ?? 0);
    } finally {
      await server.close();
    }
  });
});

test('spend over time adds up a paid run’s settled attempts, in order, to its total', async () => {
  const { registry } = payingRegistry();
  const server = testServer({
    runner: { registry: () => registry, tools: fakeTools, assemble: false },
  });
  try {
    const id = (await call(server, 'POST', '/api/projects', { form: storyboardForm(THREE_SHOTS) }))
      .body.project.id;
    const refused = await call(server, 'POST', `/api/projects/${id}/runs`, {
      json: { preview: false },
    });
    const estimate = refused.body.error.details.estimate_usd;
    const started = await call(server, 'POST', `/api/projects/${id}/runs`, {
      json: { preview: false, confirm_usd: estimate },
    });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    await server.idle();
    const overview = (await call(server, 'GET', `/api/projects/${id}`)).body;
    const points = overview.spend_over_time as Array<{ at: string; usd: number }>;
    assert.ok(points.length >= 2, JSON.stringify(points));
    assert.equal(points[0]!.usd, 0, 'the run starts at nothing spent');
    for (let i = 1; i < points.length; i++) {
      assert.ok(points[i]!.usd > points[i - 1]!.usd, 'each point adds a payment');
      assert.ok(points[i]!.at >= points[i - 1]!.at, 'in time order');
    }
    assert.ok(overview.spend.spent_usd > 0);
    assert.ok(Math.abs(points.at(-1)!.usd - overview.spend.spent_usd) < 1e-6, 'ends at the total');
  } finally {
    await server.close();
  }
});
