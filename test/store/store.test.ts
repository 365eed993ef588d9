import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { sql } from 'kysely';
import { MediaFolder, sha256OfFile } from '../../src/store/media-folder.ts';
import { DATABASE_FILE, openStore, type Store } from '../../src/store/store.ts';

let dir: string;
let store: Store;
beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shotrouter-store-'));
  store = await openStore({ dir });
});
afterEach(async () => {
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function seedRun(id = 'r1') {
  const at = store.now();
  await store.insertRun({
    id,
    created_at: at,
    updated_at: at,
    title: 't',
    storyboard_file: 'f.yaml',
    storyboard_sha256: 'a',
    plan_sha256: `plan-${id}`,
    plan_json: '{}',
    budget_micro: 5_000_000,
    executor: 'test',
    state: 'active',
  });
  await store.insertJobs([
    {
      id: `${id}-j1`,
      run_id: id,
      shot_id: 's1',
      shot_index: 0,
      take: 0,
      cache_key: 'k1',
      state: 'queued',
      route_index: 0,
      model: 'm',
      provider: 'p',
      attempts: 0,
      spend_micro: 0,
      media_sha256: null,
      cached: 0,
      warnings_json: '[]',
      error_code: null,
      error_message: null,
      created_at: at,
      updated_at: at,
    },
  ]);
}

function attempt(id: string, key: string, jobId = 'r1-j1') {
  const at = store.now();
  return {
    id,
    job_id: jobId,
    idempotency_key: key,
    route_index: 0,
    segment: 0,
    provider: 'p',
    executor: 'p',
    model: 'm',
    request_json: '{}',
    operation_json: null,
    state: 'starting' as const,
    sends: 0,
    media_sha256: null,
    error_code: null,
    error_message: null,
    created_at: at,
    updated_at: at,
    finished_at: null,
  };
}

describe('store', () => {
  test('one database file in the run folder, in WAL mode, migrations applied once', async () => {
    assert.ok(fs.existsSync(path.join(dir, DATABASE_FILE)));
    const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(store.db);
    assert.equal(mode.rows[0]!.journal_mode, 'wal');
    await seedRun();
    await store.close();
    // opening again keeps the data and runs no migration twice
    store = await openStore({ dir });
    assert.equal((await store.jobs('r1')).length, 1);
    const migrations = await sql<{ name: string }>`select name from kysely_migration`.execute(
      store.db,
    );
    assert.deepEqual(
      migrations.rows.map((r) => r.name),
      ['0001_initial'],
    );
  });

  test('foreign keys are enforced and an idempotency key is unique', async () => {
    await seedRun();
    await assert.rejects(store.insertAttempt(attempt('a0', 'k', 'no-such-job')), /FOREIGN KEY/);
    await store.insertAttempt(attempt('a1', 'same-key'));
    await assert.rejects(store.insertAttempt(attempt('a2', 'same-key')), /UNIQUE/);
  });

  test('the ledger sums reservations and settled spend exactly, per run', async () => {
    await seedRun();
    await store.insertAttempt(attempt('a1', 'k1'));
    await store.insertAttempt(attempt('a2', 'k2'));
    await store.reserve({
      attempt_id: 'a1',
      job_id: 'r1-j1',
      run_id: 'r1',
      reserved_micro: 1_100_000,
    });
    await store.reserve({
      attempt_id: 'a2',
      job_id: 'r1-j1',
      run_id: 'r1',
      reserved_micro: 2_200_000,
    });
    assert.deepEqual(await store.ledgerTotals('r1'), { reservedMicro: 3_300_000, spentMicro: 0 });
    await store.settle('a1', 900_000);
    assert.deepEqual(await store.ledgerTotals('r1'), {
      reservedMicro: 2_200_000,
      spentMicro: 900_000,
    });
    assert.deepEqual(await store.ledgerTotals('other'), { reservedMicro: 0, spentMicro: 0 });
  });

  test('a transaction rolls back as a whole', async () => {
    await seedRun();
    await assert.rejects(
      store.transaction(async (tx) => {
        await tx.insertAttempt(attempt('a1', 'k1'));
        await tx.appendEvent({ run_id: 'r1', type: 'x' });
        throw new Error('crash in the middle');
      }),
      /crash in the middle/,
    );
    assert.equal((await store.attempts('r1-j1')).length, 0);
    assert.equal((await store.events('r1')).length, 0);
  });

  test('events are append-only and ordered', async () => {
    await seedRun();
    for (const type of ['a', 'b', 'c'])
      await store.appendEvent({ run_id: 'r1', type, data: { type } });
    const events = await store.events('r1');
    assert.deepEqual(
      events.map((e) => e.type),
      ['a', 'b', 'c'],
    );
    assert.deepEqual(JSON.parse(events[1]!.data_json), { type: 'b' });
    assert.deepEqual(
      (await store.events('r1', events[1]!.id)).map((e) => e.type),
      ['c'],
    );
  });

  test('the newest run of a plan is found; other runs can be superseded', async () => {
    await seedRun('r1');
    await seedRun('r2');
    assert.equal((await store.latestRun('plan-r1'))!.id, 'r1');
    await store.supersedeOtherRuns('r2');
    assert.equal(await store.latestRun('plan-r1'), undefined);
    assert.equal((await store.latestRun())!.id, 'r2');
  });
});

describe('media folder', () => {
  test('keeps files by content, written whole or not at all', async () => {
    const folder = new MediaFolder(dir);
    const { tempFile, sha256, bytes } = await folder.writeTemp(
      Readable.from([Buffer.from('abc')]),
      'mp4',
    );
    assert.equal(bytes, 3);
    assert.equal(sha256, 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    const relative = folder.keep(tempFile, sha256, 'mp4');
    assert.equal(relative, `media/${sha256}.mp4`);
    assert.equal(await sha256OfFile(folder.absolute(relative)), sha256);
    assert.ok(!fs.existsSync(tempFile));

    // the same content again: one file
    const again = await folder.writeTemp(Readable.from([Buffer.from('abc')]), 'mp4');
    folder.keep(again.tempFile, again.sha256, 'mp4');
    assert.deepEqual(fs.readdirSync(folder.dir), [`${sha256}.mp4`]);

    // a stream that breaks leaves nothing behind
    const broken = Readable.from(
      (async function* () {
        yield Buffer.from('part');
        throw new Error('connection reset');
      })(),
    );
    await assert.rejects(folder.writeTemp(broken, 'mp4'), /connection reset/);
    assert.deepEqual(fs.readdirSync(folder.dir), [`${sha256}.mp4`]);

    // leftovers of a killed process are cleared
    fs.writeFileSync(folder.tempPath('mp4'), 'half');
    folder.removeLeftovers();
    assert.deepEqual(fs.readdirSync(folder.dir), [`${sha256}.mp4`]);
  });
});
