import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, describe, test } from 'node:test';
import { createStandInRegistry } from '../../src/providers/registry.ts';
import {
  OverviewSchema,
  PlanResponseSchema,
  ProjectListSchema,
  StatusSchema,
} from '../../src/server/schemas.ts';
import { hashToken } from '../../src/server/security.ts';
import { FakeProvider } from '../engine/fake-provider.ts';
import { fakeTools } from '../engine/helpers.ts';
import { PNG, TEMP_DIRS, THREE_SHOTS, TWO_TAKES } from '../lib/helpers.ts';
import { assertError, call, readEvents, storyboardForm, testServer } from './helpers.ts';

after(() => {
  for (const dir of TEMP_DIRS) fs.rmSync(dir, { recursive: true, force: true });
});

const json = (value: unknown) => ({ json: value });

describe('the API without a token (loopback)', () => {
  const server = testServer();
  after(() => server.close());

  test('health, examples, models and the OpenAPI document', async () => {
    const health = await call(server, 'GET', '/api/health');
    assert.equal(health.status, 200);
    assert.deepEqual(health.body, { ok: true, version: '0.1.0', auth: false });

    const examples = await call(server, 'GET', '/api/examples');
    const names = examples.body.examples.map((e: { name: string }) => e.name);
    assert.ok(names.includes('launch-film') && names.includes('local-short'));

    const models = await call(server, 'GET', '/api/models');
    assert.ok(models.body.models.some((m: { id: string }) => m.id === 'veo-3.1'));

    const doc = (await call(server, 'GET', '/openapi.json')).body;
    assert.equal(doc.openapi, '3.1.0');
    for (const path of [
      '/api/projects',
      '/api/projects/{id}',
      '/api/projects/{id}/plan',
      '/api/projects/{id}/changes',
      '/api/projects/{id}/runs',
      '/api/projects/{id}/runs/current',
      '/api/projects/{id}/events',
      '/api/projects/{id}/shots/{shot}/pick',
      '/api/projects/{id}/media/{file}',
      '/api/projects/{id}/files/{name}',
    ]) {
      assert.ok(doc.paths[path], `documents ${path}`);
    }
    const startRun = doc.paths['/api/projects/{id}/runs'].post;
    assert.equal(
      startRun.requestBody.content['application/json'].schema.$ref,
      '#/components/schemas/StartRun',
    );
    assert.deepEqual(Object.keys(doc.components.schemas.StartRun.properties).sort(), [
      'confirm_usd',
      'preview',
    ]);
    assert.ok(doc.components.schemas.Plan.properties.shots);
    assert.equal(
      doc.paths['/api/projects'].post.requestBody.content['multipart/form-data'].schema.type,
      'object',
    );
    // every $ref points at a component that exists
    const refs = JSON.stringify(doc).match(/#\/components\/schemas\/[A-Za-z]+/g) ?? [];
    for (const ref of new Set(refs)) assert.ok(doc.components.schemas[ref.split('/').pop()!], ref);
  });

  test('unknown routes, projects and malformed ids are JSON errors', async () => {
    assertError(await call(server, 'GET', '/api/nothing'), 404, 'not_found');
    assertError(await call(server, 'GET', '/api/projects/AAAAAAAAAAAA'), 404, 'not_found');
    assertError(await call(server, 'GET', '/api/projects/..%2F..%2Fetc'), 400, 'bad_request');
    assertError(await call(server, 'PATCH', '/api/projects'), 404, 'not_found');
    // without a built board, pages say how to build it; the API still answers
    assert.match((await call(server, 'GET', '/')).body, /npm run build:web/);
  });

  test('creating a project: multipart upload, checks, limits and hostile input', async () => {
    const created = await call(server, 'POST', '/api/projects', {
      form: storyboardForm(THREE_SHOTS),
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    OverviewSchema.parse(created.body);
    assert.equal(created.body.project.title, 'Tiny preview film');
    assert.equal(created.body.shots.length, 3);
    assert.equal(created.body.run.state, 'idle');
    assert.deepEqual(created.body.runnable.preview, { ok: true, reason: null });

    const list = await call(server, 'GET', '/api/projects');
    ProjectListSchema.parse(list.body);
    assert.ok(list.body.projects.some((p: { id: string }) => p.id === created.body.project.id));

    // a storyboard with problems: 422 with every problem, positioned in the client's file
    const broken = new FormData();
    broken.append(
      'storyboard',
      new Blob(['version: 1\ntitle: x\nshots:\n  - id: a\n    duration: -1\n']),
      'mine.yaml',
    );
    const invalid = await call(server, 'POST', '/api/projects', { form: broken });
    assertError(invalid, 422, 'invalid_storyboard');
    assert.ok(invalid.body.error.problems.length >= 2);
    assert.equal(invalid.body.error.problems[0].file, 'mine.yaml');

    const noStoryboard = new FormData();
    noStoryboard.append('files', new Blob([PNG]), 'a.png');
    assertError(
      await call(server, 'POST', '/api/projects', { form: noStoryboard }),
      400,
      'bad_request',
      /storyboard/,
    );
    assertError(
      await call(server, 'POST', '/api/projects', json({ storyboard: 'x' })),
      415,
      'unsupported_media_type',
    );

    // a file that is not an image, whatever it is called
    const fake = storyboardForm(THREE_SHOTS, [
      {
        name: 'logo.png',
        data: new TextEncoder().encode('<svg onload=alert(1)>'),
        type: 'image/png',
      },
    ]);
    assertError(
      await call(server, 'POST', '/api/projects', { form: fake }),
      415,
      'unsupported_media_type',
      /logo\.png.*is not an image/,
    );

    // a hostile name is a lookup key, never a path
    const storyboard = fs
      .readFileSync(THREE_SHOTS, 'utf8')
      .replace(
        '    tags: [establishing]',
        '    tags: [establishing]\n    references: ["../../../../../tmp/evil.png"]',
      );
    const hostile = new FormData();
    hostile.append('storyboard', new Blob([storyboard]), '../../x.yaml');
    hostile.append('files', new Blob([PNG]), '../../../../../tmp/evil.png');
    const stored = await call(server, 'POST', '/api/projects', { form: hostile });
    assert.equal(stored.status, 201, JSON.stringify(stored.body));
    assert.equal(stored.body.project.storyboard_name, 'x.yaml');
    assert.match(stored.body.project.uploads[0].file, /^refs\/[0-9a-f]{64}\.png$/);
    const ref = await call(
      server,
      'GET',
      `/api/projects/${stored.body.project.id}/${stored.body.project.uploads[0].file}`,
    );
    assert.equal(ref.status, 200);
    assert.equal(ref.headers.get('content-type'), 'image/png');
    assertError(
      await call(server, 'GET', `/api/projects/${stored.body.project.id}/refs/..%2Fproject.json`),
      400,
      'bad_request',
    );
  });

  test('upload limits: a large file, too many files, a large body', async () => {
    const small = testServer({
      limits: { fileBytes: 128, files: 2, storyboardBytes: 2048, requestBytes: 64 * 1024 },
    });
    try {
      const big = storyboardForm(THREE_SHOTS, [
        { name: 'big.png', data: Buffer.concat([PNG, Buffer.alloc(100)]) },
      ]);
      assertError(
        await call(small, 'POST', '/api/projects', { form: big }),
        413,
        'payload_too_large',
        /big\.png/,
      );
      const many = storyboardForm(
        THREE_SHOTS,
        [1, 2, 3].map((n) => ({ name: `${n}.png`, data: PNG })),
      );
      assertError(
        await call(small, 'POST', '/api/projects', { form: many }),
        413,
        'payload_too_large',
        /at most 2 images/,
      );
      const long = new FormData();
      long.append('storyboard', new Blob(['#'.repeat(4096)]), 'long.yaml');
      assertError(
        await call(small, 'POST', '/api/projects', { form: long }),
        413,
        'payload_too_large',
        /storyboard/,
      );
      const huge = new FormData();
      huge.append('storyboard', new Blob([Buffer.alloc(100 * 1024)]), 'huge.yaml');
      assertError(
        await call(small, 'POST', '/api/projects', { form: huge }),
        413,
        'payload_too_large',
      );
    } finally {
      await small.close();
    }
  });

  test('a reference URL pointing at 127.0.0.1 is refused', async () => {
    const storyboard = fs
      .readFileSync(THREE_SHOTS, 'utf8')
      .replace(
        '    tags: [establishing]',
        '    tags: [establishing]\n    first_frame: http://127.0.0.1:8080/admin.png',
      );
    const form = new FormData();
    form.append('storyboard', new Blob([storyboard]), 'film.yaml');
    const reply = await call(server, 'POST', '/api/projects', { form });
    assertError(reply, 422, 'invalid_storyboard');
    const [problem] = reply.body.error.problems;
    assert.equal(problem.path, 'shots[0].first_frame');
    assert.match(
      problem.message,
      /reference URL refused: 127\.0\.0\.1 is a loopback, private or reserved address/,
    );
  });

  test('examples, plans, changes tried and committed', async () => {
    assertError(
      await call(server, 'POST', '/api/projects/from-example', json({ name: 'nope' })),
      404,
      'not_found',
    );
    assertError(
      await call(server, 'POST', '/api/projects/from-example', json({ name: '../x' })),
      400,
      'bad_request',
    );
    assertError(
      await call(server, 'POST', '/api/projects/from-example', {
        json: '{not json',
        headers: { 'content-type': 'application/json' },
      }),
      400,
      'bad_request',
      /not valid JSON/,
    );
    const film = await call(
      server,
      'POST',
      '/api/projects/from-example',
      json({ name: 'launch-film' }),
    );
    assert.equal(film.status, 201, JSON.stringify(film.body));
    const id = film.body.project.id;
    assert.equal(film.body.shots.length, 7);
    assert.ok(film.body.estimate.usd > 0);
    // without credentials a real run could only fail: the board is told what to set
    assert.equal(film.body.runnable.real.ok, false);
    assert.match(film.body.runnable.real.reason, /no credentials: set /);
    assert.deepEqual(film.body.runnable.preview, { ok: true, reason: null });

    const plan = await call(server, 'GET', `/api/projects/${id}/plan`);
    PlanResponseSchema.parse(plan.body);
    const s01 = plan.body.plan.shots[0];
    const other = s01.fallbacks[0];

    const tried = await call(
      server,
      'POST',
      `/api/projects/${id}/plan`,
      json({ changes: { shots: { s01: { model: other } }, budget_usd: null } }),
    );
    assert.equal(tried.status, 200);
    assert.equal(tried.body.plan.shots[0].model, other);
    assert.equal(tried.body.plan.budget_usd, null);
    assert.equal(
      (await call(server, 'GET', `/api/projects/${id}/plan`)).body.plan.shots[0].model,
      s01.model,
      'nothing committed',
    );

    assertError(
      await call(
        server,
        'POST',
        `/api/projects/${id}/plan`,
        json({ changes: { shots: { s01: { tags: ['sparkly'] } } } }),
      ),
      400,
      'bad_request',
    );
    assertError(
      await call(
        server,
        'POST',
        `/api/projects/${id}/plan`,
        json({ changes: { shots: { s01: { model: 'no-such' } } } }),
      ),
      400,
      'usage',
      /no model 'no-such'/,
    );
    assertError(
      await call(server, 'POST', `/api/projects/${id}/plan`, json({ changes: { budget_usd: -5 } })),
      400,
      'bad_request',
    );
    assertError(
      await call(server, 'POST', `/api/projects/${id}/plan`, json({ changes: {}, extra: 1 })),
      400,
      'bad_request',
    );
    const padded = { changes: {}, pad: 'x'.repeat(2 * 1024 * 1024) };
    assertError(
      await call(server, 'POST', `/api/projects/${id}/plan`, json(padded)),
      413,
      'payload_too_large',
    );

    const committed = await call(
      server,
      'PUT',
      `/api/projects/${id}/changes`,
      json({ changes: { shots: { s01: { model: other, priority: 'hero' } } } }),
    );
    assert.equal(committed.status, 200);
    assert.deepEqual(committed.body.changes, {
      shots: { s01: { model: other, priority: 'hero' } },
    });
    const overview = await call(server, 'GET', `/api/projects/${id}`);
    assert.equal(overview.body.plan.shots[0].model, other);
    assert.equal(overview.body.shots[0].pinned, other);
    assert.equal(overview.body.shots[0].priority, 'hero');

    // a real run without a confirmation of the estimate is refused before anything starts
    const real = await call(server, 'POST', `/api/projects/${id}/runs`, json({ preview: false }));
    assertError(real, 409, 'confirmation_required');
    assert.ok(real.body.error.details.estimate_usd > 0);
    // an over-budget plan cannot run for real; the free preview still can (see hostile.test.ts)
    await call(
      server,
      'PUT',
      `/api/projects/${id}/changes`,
      json({ changes: { budget_usd: 0.01 } }),
    );
    assertError(
      await call(
        server,
        'POST',
        `/api/projects/${id}/runs`,
        json({ preview: false, confirm_usd: 1000 }),
      ),
      422,
      'over_budget',
    );

    assert.equal((await call(server, 'DELETE', `/api/projects/${id}`)).status, 204);
    assertError(await call(server, 'GET', `/api/projects/${id}`), 404, 'not_found');
  });

  test('a preview run: events to the end, status, takes, ranges, deliverables, picks', async () => {
    const created = await call(server, 'POST', '/api/projects', {
      form: storyboardForm(TWO_TAKES),
    });
    const id = created.body.project.id;
    assertError(await call(server, 'GET', `/api/projects/${id}/status`), 404, 'not_found');
    assertError(
      await call(server, 'POST', `/api/projects/${id}/shots/a2/pick`, json({ take: 2 })),
      404,
      'not_found',
    );

    const stream = await server.app.request(`http://127.0.0.1/api/projects/${id}/events`);
    assert.equal(stream.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    const events = readEvents(stream, (e) => e.type === 'ended');
    // two starts at once: one run
    const both = await Promise.all([
      call(server, 'POST', `/api/projects/${id}/runs`, json({ preview: true })),
      call(server, 'POST', `/api/projects/${id}/runs`, json({ preview: true })),
    ]);
    both.sort((a, b) => a.status - b.status);
    const started = both[0]!;
    assert.equal(started.status, 202, JSON.stringify(started.body));
    assert.equal(started.body.run.active, true);
    assertError(both[1]!, 409, 'run_in_progress');

    const seen = await events;
    const types = seen.map((e) => e.type);
    assert.equal(types[0], 'hello');
    for (const type of [
      'state',
      'prepared',
      'job',
      'spend',
      'run',
      'assembling',
      'assembled',
      'ended',
    ]) {
      assert.ok(types.includes(type), `sends ${type}`);
    }
    const ids = seen.flatMap((e) => (e.id === null ? [] : [e.id]));
    assert.deepEqual(
      ids,
      [...ids].sort((a, b) => a - b),
      'event ids increase',
    );
    assert.equal((seen.at(-1)!.data as { state: string }).state, 'finished');
    await server.idle();

    const overview = await call(server, 'GET', `/api/projects/${id}`);
    OverviewSchema.parse(overview.body);
    assert.equal(overview.body.run.state, 'finished');
    assert.equal(overview.body.run.preview, true);
    assert.deepEqual(overview.body.deliverables.map((d: { name: string }) => d.name).sort(), [
      'final.mp4',
      'report.html',
      'report.json',
      'timeline.edl',
      'timeline.fcpxml',
      'timeline.otio',
    ]);
    const a2 = overview.body.shots.find((s: { id: string }) => s.id === 'a2');
    assert.deepEqual(
      a2.takes.map((t: { take: number; picked: boolean }) => [t.take, t.picked]),
      [
        [1, true],
        [2, false],
      ],
    );
    StatusSchema.parse((await call(server, 'GET', `/api/projects/${id}/status`)).body);

    // a take's clip with byte ranges, as a player seeks
    const url = a2.takes[1].url;
    const whole = await server.app.request(`http://127.0.0.1${url}`);
    const size = Number(whole.headers.get('content-length'));
    assert.equal(whole.status, 200);
    assert.equal(whole.headers.get('accept-ranges'), 'bytes');
    assert.equal(whole.headers.get('content-type'), 'video/mp4');
    assert.equal((await whole.arrayBuffer()).byteLength, size);
    const part = await server.app.request(`http://127.0.0.1${url}`, {
      headers: { range: 'bytes=100-199' },
    });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), `bytes 100-199/${size}`);
    assert.equal((await part.arrayBuffer()).byteLength, 100);
    const tail = await server.app.request(`http://127.0.0.1${url}`, {
      headers: { range: 'bytes=-10' },
    });
    assert.equal(tail.headers.get('content-range'), `bytes ${size - 10}-${size - 1}/${size}`);
    const beyond = await call(server, 'GET', url, { headers: { range: `bytes=${size}-` } });
    assertError(beyond, 416, 'range_not_satisfiable');
    assert.equal(beyond.headers.get('content-range'), `bytes */${size}`);
    const head = await server.app.request(`http://127.0.0.1${url}`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(size));
    assertError(
      await call(server, 'GET', `/api/projects/${id}/media/${'0'.repeat(64)}.mp4`),
      404,
      'not_found',
    );
    assertError(
      await call(server, 'GET', `/api/projects/${id}/media/..%2F..%2Fshotrouter.db`),
      400,
      'bad_request',
    );

    const cut = await server.app.request(`http://127.0.0.1/api/projects/${id}/files/final.mp4`, {
      headers: { range: 'bytes=0-0' },
    });
    assert.equal(cut.status, 206);
    const download = await call(server, 'GET', `/api/projects/${id}/files/timeline.edl?download=1`);
    assert.equal(download.status, 200);
    assert.match(
      download.headers.get('content-disposition') ?? '',
      /attachment; filename="two-takes-timeline\.edl"/,
    );
    const report = await server.app.request(
      `http://127.0.0.1/api/projects/${id}/files/report.html`,
    );
    assert.match(report.headers.get('content-security-policy') ?? '', /sandbox/);
    assertError(
      await call(server, 'GET', `/api/projects/${id}/files/shotrouter.db`),
      400,
      'bad_request',
    );
    assertError(await call(server, 'GET', `/api/projects/${id}/files/final.mov`), 404, 'not_found');

    // picking another take makes the cut again and says so on the stream
    const picked = readEvents(
      await server.app.request(`http://127.0.0.1/api/projects/${id}/events`),
      (e) => e.type === 'picked',
    );
    const pick = await call(server, 'POST', `/api/projects/${id}/shots/a2/pick`, json({ take: 2 }));
    assert.equal(pick.status, 200, JSON.stringify(pick.body));
    const after = pick.body.shots.find((s: { id: string }) => s.id === 'a2');
    assert.deepEqual(
      after.takes.map((t: { take: number; picked: boolean }) => [t.take, t.picked]),
      [
        [1, false],
        [2, true],
      ],
    );
    assert.deepEqual((await picked).at(-1)!.data, { shot: 'a2', take: 2, by: null });
    const report2 = JSON.parse(
      await (
        await server.app.request(`http://127.0.0.1/api/projects/${id}/files/report.json`)
      ).text(),
    );
    assert.equal(report2.shots.find((s: { id: string }) => s.id === 'a2').take, 2);
    assertError(
      await call(server, 'POST', `/api/projects/${id}/shots/a2/pick`, json({ take: 3 })),
      400,
      'usage',
      /1 to 2/,
    );
    assertError(
      await call(server, 'POST', `/api/projects/${id}/shots/a2/pick`, json({ take: 0 })),
      400,
      'bad_request',
    );
    assertError(
      await call(server, 'POST', `/api/projects/${id}/shots/zz/pick`, json({ take: 1 })),
      400,
      'usage',
      /no shot 'zz'/,
    );
    assertError(await call(server, 'DELETE', `/api/projects/${id}/runs/current`), 404, 'not_found');
  });

  test('a run that spends needs the estimate confirmed; a run can be stopped and resumed', async () => {
    const provider = new FakeProvider({ id: 'slow', pollIntervalMs: 1, polls: 1_000_000 });
    let registry = createStandInRegistry(provider);
    const paying = testServer({
      runner: { registry: () => registry, tools: fakeTools, assemble: false },
    });
    try {
      const id = (
        await call(paying, 'POST', '/api/projects', { form: storyboardForm(THREE_SHOTS) })
      ).body.project.id;
      const refused = await call(
        paying,
        'POST',
        `/api/projects/${id}/runs`,
        json({ preview: false }),
      );
      assertError(refused, 409, 'confirmation_required', /may spend up to \$/);
      const estimate = refused.body.error.details.estimate_usd;
      assert.ok(estimate > 0);
      assertError(
        await call(
          paying,
          'POST',
          `/api/projects/${id}/runs`,
          json({ preview: false, confirm_usd: estimate / 2 }),
        ),
        409,
        'confirmation_required',
      );
      assert.equal(provider.startCalls.length, 0, 'nothing started');

      const events = readEvents(
        await paying.app.request(`http://127.0.0.1/api/projects/${id}/events`),
        (e) => e.type === 'ended',
      );
      const started = await call(
        paying,
        'POST',
        `/api/projects/${id}/runs`,
        json({ preview: false, confirm_usd: estimate }),
      );
      assert.equal(started.status, 202, JSON.stringify(started.body));
      assert.ok(Math.abs(started.body.estimate.usd - estimate) < 1e-6);
      while (provider.startCalls.length < 3) await new Promise((resolve) => setImmediate(resolve));
      const stopping = await call(paying, 'DELETE', `/api/projects/${id}/runs/current`);
      assert.equal(stopping.status, 202);
      const ended = (await events).at(-1)!;
      assert.equal((ended.data as { state: string }).state, 'aborted');
      await paying.idle();
      assert.equal((await call(paying, 'GET', `/api/projects/${id}`)).body.run.state, 'aborted');

      // started again, the jobs in flight are polled, not paid for again
      const fast = new FakeProvider({ id: 'slow', pollIntervalMs: 0, polls: 0 });
      for (const [key, job] of provider.byKey) {
        fast.byKey.set(key, { ...job, polls: 0 });
        fast.jobs.set(job.id, fast.byKey.get(key)!);
      }
      registry = createStandInRegistry(fast);
      const resumed = await call(
        paying,
        'POST',
        `/api/projects/${id}/runs`,
        json({ preview: false, confirm_usd: estimate }),
      );
      assert.equal(resumed.status, 202, JSON.stringify(resumed.body));
      await paying.idle();
      assert.equal((await call(paying, 'GET', `/api/projects/${id}`)).body.run.state, 'finished');
      assert.equal(fast.startCalls.length, 0, 'no new paid start');
      assertError(
        await call(paying, 'DELETE', `/api/projects/${id}/runs/current`),
        404,
        'not_found',
      );
    } finally {
      await paying.close();
    }
  });

  test('requests addressed to another host name, or changes from another origin, are refused', async () => {
    assertError(
      await call(server, 'GET', '/api/health', { host: 'evil.example' }),
      403,
      'forbidden',
      /loopback/,
    );
    assert.equal(
      (await call(server, 'GET', '/api/health', { host: 'localhost:4400' })).status,
      200,
    );
    const foreign = { json: { name: 'launch-film' }, headers: { origin: 'https://evil.example' } };
    assertError(
      await call(server, 'POST', '/api/projects/from-example', foreign),
      403,
      'forbidden',
    );
    const site = { json: { name: 'launch-film' }, headers: { 'sec-fetch-site': 'cross-site' } };
    assertError(await call(server, 'POST', '/api/projects/from-example', site), 403, 'forbidden');
    const own = { json: { name: 'local-short' }, headers: { origin: 'http://127.0.0.1:4400' } };
    assert.equal((await call(server, 'POST', '/api/projects/from-example', own)).status, 201);
  });
});

describe('the API with a token (any address)', () => {
  const server = testServer({ tokenSha256: hashToken('s3cret-token') });
  after(() => server.close());
  const bearer = { authorization: 'Bearer s3cret-token' };

  test('every route but the board needs the token; only its hash is kept', async () => {
    for (const [method, path] of [
      ['GET', '/api/health'],
      ['GET', '/api/projects'],
      ['GET', '/openapi.json'],
      ['POST', '/api/projects/from-example'],
      ['GET', '/api/projects/AAAAAAAAAAAA/events'],
    ] as const) {
      const reply = await call(server, method, path, {
        host: 'board.example',
        ...(method === 'POST' ? json({ name: 'local-short' }) : {}),
      });
      assertError(reply, 401, 'unauthorized');
      assert.equal(reply.headers.get('www-authenticate'), 'Bearer');
    }
    assertError(
      await call(server, 'GET', '/api/projects', { headers: { authorization: 'Bearer wrong' } }),
      401,
      'unauthorized',
    );
    assertError(
      await call(server, 'GET', '/api/projects', { headers: { authorization: 's3cret-token' } }),
      401,
      'unauthorized',
    );
    const ok = await call(server, 'GET', '/api/health', { host: 'board.example', headers: bearer });
    assert.deepEqual(ok.body, { ok: true, version: '0.1.0', auth: true });
    const created = await call(server, 'POST', '/api/projects/from-example', {
      ...json({ name: 'local-short' }),
      headers: bearer,
    });
    assert.equal(created.status, 201);
    // the board itself loads without the token (it asks for it)
    assert.notEqual((await call(server, 'GET', '/')).status, 401);
  });

  test('a session cookie lets media elements read, but never change anything', async () => {
    assertError(await call(server, 'POST', '/api/session'), 401, 'unauthorized');
    const session = await call(server, 'POST', '/api/session', { headers: bearer });
    assert.equal(session.status, 204);
    const cookie = session.headers.get('set-cookie') ?? '';
    assert.match(
      cookie,
      /^shotrouter_session=[\w-]+; Path=\/api; HttpOnly; SameSite=Strict; Max-Age=\d+$/,
    );
    assert.ok(!cookie.includes('s3cret-token'));
    const value = cookie.split(';')[0]!;
    assert.equal(
      (await call(server, 'GET', '/api/projects', { headers: { cookie: value } })).status,
      200,
    );
    assertError(
      await call(server, 'POST', '/api/projects/from-example', {
        ...json({ name: 'local-short' }),
        headers: { cookie: value },
      }),
      401,
      'unauthorized',
    );
    assertError(
      await call(server, 'GET', '/api/projects', {
        headers: { cookie: 'shotrouter_session=forged' },
      }),
      401,
      'unauthorized',
    );
  });
});
