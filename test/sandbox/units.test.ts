/** The sandbox's parts on their own: flags, command, job store, dice, JWT, websocket frames, sizes. */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, test } from 'node:test';
import { ShotrouterError } from '../../src/errors.ts';
import { parseSandboxFlags, runSandboxCommand } from '../../src/sandbox/command.ts';
import { JobStore } from '../../src/sandbox/jobs.ts';
import { signKlingToken, verifyKlingToken } from '../../src/sandbox/jwt.ts';
import { renderedSize } from '../../src/sandbox/media.ts';
import { Dice } from '../../src/sandbox/random.ts';
import { sizeFor } from '../../src/sandbox/sizes.ts';
import { PROVIDER_NAMES, type ProviderName } from '../../src/sandbox/types.ts';
import { decodeFrame, encodeFrame } from '../../src/sandbox/websocket.ts';
import { Clock } from './helpers.ts';

describe('parseSandboxFlags', () => {
  test('reads every flag', () => {
    const options = parseSandboxFlags(
      [
        '--port',
        '0',
        '--latency-ms',
        '20-50',
        '--faults',
        '429=0.1,5xx=0.05,drop=1',
        '--seed',
        '42',
        '--concurrency',
        'fal=2,kling=1',
        '--max-size',
        '320x180',
      ],
      {},
    );
    assert.deepEqual(options, {
      port: 0,
      latencyMs: [20, 50],
      faults: { '429': 0.1, '5xx': 0.05, drop: 1 },
      seed: 42,
      concurrency: { fal: 2, kling: 1 },
      maxSize: { width: 320, height: 180 },
    });
  });

  test('falls back to SHOTROUTER_SANDBOX_* variables; a flag wins', () => {
    const env = {
      SHOTROUTER_SANDBOX_LATENCY_MS: '5-9',
      SHOTROUTER_SANDBOX_SEED: '3',
      SHOTROUTER_SANDBOX_FAULTS: 'expired=0.5',
      SHOTROUTER_SANDBOX_KLING_ACCESS_KEY: 'ak',
      SHOTROUTER_SANDBOX_KLING_SECRET_KEY: 'sk',
    };
    const options = parseSandboxFlags(['--seed', '9'], env);
    assert.deepEqual(options.latencyMs, [5, 9]);
    assert.equal(options.seed, 9);
    assert.deepEqual(options.faults, { expired: 0.5 });
    assert.deepEqual(options.kling, { accessKey: 'ak', secretKey: 'sk' });
  });

  test('a bad value is a usage error that says what is expected', () => {
    const cases: [string[], RegExp][] = [
      [['--latency-ms', 'fast'], /A-B/],
      [['--latency-ms', '50-20'], /below/],
      [['--faults', 'boom=0.1'], /unknown kind 'boom'/],
      [['--faults', '429=2'], /between 0 and 1/],
      [['--concurrency', 'sora=1'], /unknown provider 'sora'/],
      [['--port', '70000'], /0 to 65535/],
      [['--max-size', 'big'], /WIDTHxHEIGHT/],
      [['--colour'], /Unknown option/],
    ];
    for (const [argv, message] of cases) {
      assert.throws(
        () => parseSandboxFlags(argv, {}),
        (error: unknown) =>
          ShotrouterError.is(error) && error.code === 'usage' && message.test(error.message),
        argv.join(' '),
      );
    }
  });
});

describe('runSandboxCommand', () => {
  test('prints the URL on the first line, serves, and stops when the signal aborts', async () => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const controller = new AbortController();
    const firstLine = new Promise<string>((resolve) => {
      let text = '';
      stdout.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes('\n')) resolve(text.slice(0, text.indexOf('\n')));
      });
    });
    const exit = runSandboxCommand(['--port', '0', '--latency-ms', '10-20'], {
      stdout,
      stderr,
      signal: controller.signal,
      env: {},
    });
    const url = await firstLine;
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const stats = (await (await fetch(`${url}/_sandbox/stats`)).json()) as {
      providers: Record<string, unknown>;
    };
    assert.equal(Object.keys(stats.providers).length, PROVIDER_NAMES.length);
    controller.abort();
    assert.equal(await exit, 0);
    await assert.rejects(fetch(`${url}/_sandbox/stats`));
  });

  test('exits 64 on a usage error', async () => {
    const stderr = new PassThrough();
    let text = '';
    stderr.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    const code = await runSandboxCommand(['--faults', 'nope'], {
      stdout: new PassThrough(),
      stderr,
      signal: new AbortController().signal,
      env: {},
    });
    assert.equal(code, 64);
    assert.match(text, /usage: shotrouter sandbox/);
  });
});

describe('JobStore', () => {
  const render = {
    seconds: 1,
    width: 2,
    height: 2,
    fps: 24,
    audio: false,
    model: 'm',
    prompt: 'p',
  };
  function store(limit: number, clock: Clock) {
    const limits = Object.fromEntries(
      PROVIDER_NAMES.map((n) => [n, Number.POSITIVE_INFINITY]),
    ) as Record<ProviderName, number>;
    limits.fal = limit;
    return new JobStore(clock.now, limits);
  }
  const add = (jobs: JobStore, id: string) =>
    jobs.add('fal', {
      id,
      model: 'm',
      key: undefined,
      render,
      fate: 'success',
      expiredFault: false,
      latencyMs: 1000,
      data: {},
    });

  test('a job queues for the dispatch delay, runs, then completes', () => {
    const clock = new Clock();
    const jobs = store(Number.POSITIVE_INFINITY, clock);
    const job = add(jobs, 'a');
    assert.equal(job.phase, 'queued');
    clock.advance(150);
    jobs.advance('fal');
    assert.equal(job.phase, 'running');
    assert.equal(job.startedAt, clock.ms);
    clock.advance(850);
    jobs.advance('fal');
    assert.equal(job.phase, 'succeeded');
  });

  test('a limit of 2 starts each queued job exactly when a slot frees, even when nobody looked', () => {
    const clock = new Clock();
    const start = clock.ms;
    const jobs = store(2, clock);
    const all = ['a', 'b', 'c', 'd', 'e'].map((id) => add(jobs, id));
    clock.advance(10_000);
    const stats = jobs.stats().fal;
    assert.equal(stats.completed, 5);
    assert.equal(stats.max_in_flight, 2);
    assert.deepEqual(
      all.map((j) => (j.startedAt ?? 0) - start),
      [150, 150, 1000, 1000, 1850],
    );
    assert.deepEqual(
      all.map((j) => j.throttled),
      [false, false, true, true, true],
    );
  });

  test('cancelling a running job frees its slot at once', () => {
    const clock = new Clock();
    const jobs = store(1, clock);
    const a = add(jobs, 'a');
    const b = add(jobs, 'b');
    clock.advance(200);
    jobs.advance('fal');
    assert.equal(jobs.cancel(a), true);
    assert.equal(a.phase, 'canceled');
    assert.equal(b.phase, 'running');
    assert.equal(jobs.cancel(a), false);
  });

  test('an idempotency key finds the job and counts the duplicate', () => {
    const jobs = store(1, new Clock());
    jobs.add('fal', {
      id: 'a',
      model: 'm',
      key: 'k',
      render,
      fate: 'success',
      expiredFault: false,
      latencyMs: 10,
      data: {},
    });
    assert.equal(jobs.claimDuplicate('fal', 'k')?.id, 'a');
    assert.equal(jobs.claimDuplicate('fal', 'other'), undefined);
    assert.deepEqual([jobs.stats().fal.idempotency_keys, jobs.stats().fal.duplicate_keys], [1, 1]);
  });
});

describe('Dice', () => {
  test('the same seed repeats; 0 never and 1 always hit; latencies stay in range', () => {
    const a = new Dice(5, { '429': 0.3 });
    const b = new Dice(5, { '429': 0.3 });
    const rolls = Array.from({ length: 50 }, () => a.roll('429'));
    assert.deepEqual(
      Array.from({ length: 50 }, () => b.roll('429')),
      rolls,
    );
    const hits = rolls.filter(Boolean).length;
    assert.ok(hits > 5 && hits < 30, `${hits} hits of 50 at p=0.3`);
    a.restart();
    assert.deepEqual(
      Array.from({ length: 50 }, () => a.roll('429')),
      rolls,
    );
    const certain = new Dice(1, { drop: 1 });
    assert.ok(Array.from({ length: 20 }, () => certain.roll('drop')).every(Boolean));
    assert.ok(Array.from({ length: 20 }, () => certain.roll('5xx')).every((x) => !x));
    for (let i = 0; i < 50; i++) {
      const ms = a.latency([20, 50]);
      assert.ok(ms >= 20 && ms <= 50);
    }
  });
});

describe('Kling tokens', () => {
  test('sign and verify, with issuer, expiry and not-before', () => {
    const now = Date.UTC(2026, 0, 1);
    const token = signKlingToken('ak', 'sk', now);
    assert.equal(verifyKlingToken(token, 'ak', 'sk', now), 'ok');
    assert.equal(verifyKlingToken(token, 'other', 'sk', now), 'invalid');
    assert.equal(verifyKlingToken(token, 'ak', 'wrong', now), 'invalid');
    assert.equal(verifyKlingToken(token, 'ak', 'sk', now + 1800_000), 'expired');
    assert.equal(verifyKlingToken(token, 'ak', 'sk', now - 60_000), 'not_yet_valid');
    assert.equal(verifyKlingToken('not.a.jwt', 'ak', 'sk', now), 'invalid');
  });
});

describe('websocket frames', () => {
  test('a text frame of each length form round-trips; masked client frames decode', () => {
    for (const size of [5, 200, 70_000]) {
      const payload = Buffer.alloc(size, 'x');
      const frame = decodeFrame(encodeFrame(1, payload));
      assert.equal(frame?.opcode, 1);
      assert.equal(frame?.payload.length, size);
    }
    const mask = Buffer.from([1, 2, 3, 4]);
    const text = Buffer.from('ping!');
    const masked = Buffer.from(text.map((b, i) => b ^ (mask[i % 4] ?? 0)));
    const frame = decodeFrame(
      Buffer.concat([Buffer.from([0x89, 0x80 | text.length]), mask, masked]),
    );
    assert.equal(frame?.opcode, 9);
    assert.equal(frame?.payload.toString(), 'ping!');
    assert.equal(
      decodeFrame(Buffer.from([0x81])),
      undefined,
      'an incomplete frame waits for more bytes',
    );
  });
});

describe('sizes', () => {
  test('resolution words and the render cap', () => {
    assert.deepEqual(sizeFor('720p', '16:9'), { width: 1280, height: 720 });
    assert.deepEqual(sizeFor('1080p', '9:16'), { width: 1080, height: 1920 });
    assert.deepEqual(sizeFor('4k', '16:9'), { width: 3840, height: 2160 });
    assert.deepEqual(renderedSize(1920, 1080, { width: 160, height: 90 }), {
      width: 160,
      height: 90,
    });
    assert.deepEqual(renderedSize(720, 1280, { width: 160, height: 90 }), {
      width: 50,
      height: 90,
    });
    assert.deepEqual(renderedSize(100, 60, undefined), { width: 100, height: 60 });
  });
});
