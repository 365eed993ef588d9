/** The store's contract, run against SQLite and PostgreSQL alike. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { MediaFolder, sha256OfFile } from '../../src/store/media-folder.ts';
import { migrationProvider } from '../../src/store/migrations.ts';
import { DATABASE_FILE, openStore, type Store } from '../../src/store/store.ts';
import { adminQuery, ENGINES, freshPlace, PG_URL, type Place, uniqueName } from './engines.ts';

const run = promisify(execFile);
const migrationNames = Object.keys(await migrationProvider('sqlite').getMigrations());

function newRun(id: string, at: string, planSha = `plan-${id}`) {
  return {
    id,
    created_at: at,
    updated_at: at,
    title: 't',
    storyboard_file: 'f.yaml',
    storyboard_sha256: 'a',
    plan_sha256: planSha,
    plan_json: '{}',
    budget_micro: 5_000_000,
    executor: 'test',
    state: 'active' as const,
  };
}

function newJob(runId: string, at: string, id = `${runId}-j1`, cacheKey = 'k1') {
  return {
    id,
    run_id: runId,
    shot_id: 's1',
    shot_index: 0,
    take: 0,
    cache_key: cacheKey,
    state: 'queued' as const,
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
  };
}

function newAttempt(store: Store, id: string, key: string, jobId = 'r1-j1') {
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

async function seedRun(store: Store, id = 'r1') {
  const at = store.now();
  await store.insertRun(newRun(id, at));
  await store.insertJobs([newJob(id, at)]);
}

for (const engine of ENGINES) {
  describe(`store on ${engine}`, () => {
    let place: Place;
    let store: Store;
    beforeEach(async () => {
      place = await freshPlace(engine);
      store = await place.open();
    });
    afterEach(async () => {
      await store.close();
      await place.drop();
    });

    test('migrations run once; reopening keeps the data and runs none again', async () => {
      await seedRun(store);
      await store.close();
      store = await place.open();
      assert.equal((await store.jobs('r1')).length, 1);
      const applied = await sql<{
        name: string;
      }>`select name from kysely_migration order by name`.execute(store.db);
      assert.deepEqual(
        applied.rows.map((r) => r.name),
        migrationNames,
      );
      assert.equal(store.flavor, engine);
    });

    test('foreign keys are enforced and an idempotency key is unique in the database', async () => {
      await seedRun(store);
      await assert.rejects(
        store.insertAttempt(newAttempt(store, 'a0', 'k', 'no-such-job')),
        /foreign key/i,
      );
      await store.insertAttempt(newAttempt(store, 'a1', 'same-key'));
      await assert.rejects(store.insertAttempt(newAttempt(store, 'a2', 'same-key')), /unique/i);
    });

    test('64-bit columns and sums read back as exact numbers', async () => {
      await seedRun(store);
      const run = (await store.run('r1'))!;
      assert.equal(run.budget_micro, 5_000_000);
      await store.addJobSpend('r1-j1', 2 ** 40);
      const job = (await store.job('r1-j1'))!;
      assert.equal(job.spend_micro, 2 ** 40);
      assert.equal(typeof job.spend_micro, 'number');
    });

    test('the ledger sums reservations and settled spend exactly, per run', async () => {
      await seedRun(store);
      await store.insertAttempt(newAttempt(store, 'a1', 'k1'));
      await store.insertAttempt(newAttempt(store, 'a2', 'k2'));
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
      assert.deepEqual(await store.ledgerTotals('r1'), {
        reservedMicro: 3_300_000,
        spentMicro: 0,
      });
      await store.settle('a1', 900_000);
      assert.deepEqual(await store.ledgerTotals('r1'), {
        reservedMicro: 2_200_000,
        spentMicro: 900_000,
      });
      assert.deepEqual(await store.ledgerTotals(), {
        reservedMicro: 2_200_000,
        spentMicro: 900_000,
      });
      assert.deepEqual(await store.ledgerTotals('other'), { reservedMicro: 0, spentMicro: 0 });
    });

    test("a run's attempts are read in one query, by job, in each job's order", async () => {
      await seedRun(store);
      await seedRun(store, 'r2');
      await store.insertJobs([
        { ...newJob('r1', store.now(), 'r1-j2', 'k2'), shot_id: 's2' },
        { ...newJob('r1', store.now(), 'r1-j3', 'k3'), shot_id: 's3' },
      ]);
      await store.insertAttempt(newAttempt(store, 'a1', 'k1'));
      await store.insertAttempt(newAttempt(store, 'a3', 'k3', 'r1-j2'));
      await store.insertAttempt(newAttempt(store, 'a2', 'k2'));
      await store.insertAttempt(newAttempt(store, 'b1', 'kb', 'r2-j1'));
      const byJob = await store.attemptsOfRun('r1');
      assert.deepEqual(
        [...byJob.keys()].sort(),
        ['r1-j1', 'r1-j2'],
        'jobs without attempts are absent',
      );
      for (const job of ['r1-j1', 'r1-j2']) {
        assert.deepEqual(
          byJob.get(job)!.map((a) => a.id),
          (await store.attempts(job)).map((a) => a.id),
        );
      }
      assert.deepEqual(
        byJob.get('r1-j1')!.map((a) => a.id),
        ['a1', 'a2'],
      );
      assert.deepEqual([...(await store.attemptsOfRun('r2')).keys()], ['r2-j1'], 'only that run');
    });

    test('a transaction rolls back as a whole', async () => {
      await seedRun(store);
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.insertAttempt(newAttempt(tx, 'a1', 'k1'));
          await tx.appendEvent({ run_id: 'r1', type: 'x' });
          throw new Error('crash in the middle');
        }),
        /crash in the middle/,
      );
      assert.equal((await store.attempts('r1-j1')).length, 0);
      assert.equal((await store.events('r1')).length, 0);
    });

    test('events are append-only and ordered', async () => {
      await seedRun(store);
      for (const type of ['a', 'b', 'c']) {
        await store.appendEvent({ run_id: 'r1', type, data: { type } });
      }
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
      await seedRun(store, 'r1');
      await seedRun(store, 'r2');
      assert.equal((await store.latestRun('plan-r1'))!.id, 'r1');
      await store.supersedeOtherRuns('r2');
      assert.equal(await store.latestRun('plan-r1'), undefined);
      assert.equal((await store.latestRun())!.id, 'r2');
    });

    test('a kept clip is reusable by another run; media rows are kept once', async () => {
      await seedRun(store, 'r1');
      const media = {
        sha256: 'f'.repeat(64),
        path: `media/${'f'.repeat(64)}.mp4`,
        bytes: 10,
        media_type: 'video/mp4',
        duration: 4,
        width: 160,
        height: 90,
        fps: 24,
        audio: 0,
        created_at: store.now(),
      };
      await store.putMedia(media);
      await store.putMedia(media);
      await store.updateJob('r1-j1', { state: 'done', media_sha256: media.sha256 });
      const reusable = await store.reusableJobs('k1', 'r2');
      assert.deepEqual(
        reusable.map((j) => j.id),
        ['r1-j1'],
      );
      assert.deepEqual({ ...(await store.media(media.sha256)) }, media);
    });
  });
}

describe('store on sqlite only', () => {
  test('one database file in the run folder, in WAL mode', async () => {
    const place = await freshPlace('sqlite');
    const store = await place.open();
    try {
      const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(store.db);
      assert.equal(mode.rows[0]!.journal_mode, 'wal');
      const file = (
        await sql<{ file: string }>`select file from pragma_database_list`.execute(store.db)
      ).rows[0]!.file;
      assert.equal(path.basename(file), DATABASE_FILE);
    } finally {
      await store.close();
      await place.drop();
    }
  });
});

describe('store on postgres only', () => {
  test('spaces keep projects apart: runs, supersession and spend', async () => {
    const place = await freshPlace('postgres');
    const a = await place.open({ space: 'spot-a' });
    const b = await place.open({ space: 'spot-b' });
    try {
      await seedRun(a, 'ra');
      await seedRun(b, 'rb');
      await a.insertAttempt(newAttempt(a, 'a1', 'k1', 'ra-j1'));
      await a.reserve({ attempt_id: 'a1', job_id: 'ra-j1', run_id: 'ra', reserved_micro: 7 });
      await a.supersedeOtherRuns('ra');
      assert.equal((await b.latestRun())!.id, 'rb', 'another space is never superseded');
      assert.equal((await a.latestRun())!.id, 'ra');
      assert.deepEqual(await b.ledgerTotals(), { reservedMicro: 0, spentMicro: 0 });
      assert.deepEqual(await a.ledgerTotals(), { reservedMicro: 7, spentMicro: 0 });
      // a job in flight in space a is not offered to space b's new run; a done one is
      await a.updateJob('ra-j1', { state: 'running' });
      assert.equal((await b.reusableJobs('k1', 'rb')).length, 0);
      assert.equal((await a.reusableJobs('k1', 'new-run')).length, 1);
      // a take picked for s1 in space a is not a pick of space b's s1
      await a.setPick({ run_id: 'ra', shot_id: 's1', take: 1, cache_key: 'k1' });
      assert.deepEqual(
        (await a.picks(['s1'])).map((p) => p.run_id),
        ['ra'],
      );
      assert.deepEqual(await b.picks(['s1']), []);
    } finally {
      await a.close();
      await b.close();
      await place.drop();
    }
  });

  test('writing a reservation into the ledger ends the job’s budget hold in the same transaction', async () => {
    const place = await freshPlace('postgres');
    const store = await place.open();
    try {
      await seedRun(store);
      await store.db
        .insertInto('budget_hold')
        .values({ job_id: 'r1-j1', run_id: 'r1', worker_id: 'w', reserved_micro: 5 })
        .execute();
      await store.insertAttempt(newAttempt(store, 'a1', 'k1'));
      await store.reserve({ attempt_id: 'a1', job_id: 'r1-j1', run_id: 'r1', reserved_micro: 5 });
      const holds = await store.db.selectFrom('budget_hold').selectAll().execute();
      assert.deepEqual(holds, []);
    } finally {
      await store.close();
      await place.drop();
    }
  });

  test('many processes opening a new database at once migrate it exactly once', async () => {
    const schema = uniqueName('t');
    const storeModule = path.resolve(import.meta.dirname, '../../src/store/store.ts');
    const script = `
      import { openStore } from ${JSON.stringify(storeModule)};
      const store = await openStore({ url: process.env.URL, schema: process.env.SCHEMA, poolSize: 2 });
      await store.close();
    `;
    try {
      await Promise.all(
        Array.from({ length: 5 }, () =>
          run(process.execPath, ['--input-type=module', '-e', script], {
            env: { ...process.env, URL: PG_URL, SCHEMA: schema },
            // only against a deadlock: five Node processes starting at once on a busy machine
            // took over 30 s
            timeout: 180_000,
          }),
        ),
      );
      const store = await openStore({ url: PG_URL, schema });
      try {
        const applied = await sql<{
          name: string;
        }>`select name from kysely_migration order by name`.execute(store.db);
        assert.deepEqual(
          applied.rows.map((r) => r.name),
          migrationNames,
        );
      } finally {
        await store.close();
      }
    } finally {
      await adminQuery(`drop schema if exists ${schema} cascade`);
    }
  });

  test('a half-migrated schema beside ours does not pass for ours', async () => {
    // as a process killed while migrating leaves it: Kysely's lock table and nothing else
    const stray = uniqueName('t');
    const schema = uniqueName('t');
    await adminQuery(
      `create schema ${stray}; create table ${stray}.kysely_migration_lock (id varchar(255) primary key, is_locked integer not null default 0)`,
    );
    try {
      const store = await openStore({ url: PG_URL, schema });
      await store.close();
    } finally {
      await adminQuery(
        `drop schema if exists ${stray} cascade; drop schema if exists ${schema} cascade`,
      );
    }
  });

  test('an unreachable database is a clear error without the password', async () => {
    await assert.rejects(
      openStore({ url: 'postgres://someone:hunter2@127.0.0.1:1/nowhere' }),
      (error: Error) => {
        assert.match(
          error.message,
          /cannot open the database at postgres:\/\/someone:\*\*\*@127\.0\.0\.1:1/,
        );
        assert.doesNotMatch(error.message, /hunter2/);
        return true;
      },
    );
  });
});

describe('media folder', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shotrouter-media-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

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
