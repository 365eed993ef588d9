import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, it } from 'node:test';
import {
  allOrAbort,
  filterValue,
  findBinaries,
  mediaConcurrency,
  redact,
  runFfmpeg,
  setMediaConcurrency,
} from '../../src/media/ffmpeg.ts';

/** An ffmpeg run that never ends on its own; `onLine` sees its log lines. */
const endless = (signal: AbortSignal, onLine: () => void) =>
  runFfmpeg(
    ['-loglevel', 'info', '-re', '-f', 'lavfi', '-i', 'testsrc2=s=64x36', '-f', 'null', '-'],
    {
      signal,
      onStderrLine: onLine,
    },
  );

describe('findBinaries', () => {
  const saved = { PATH: process.env.PATH, FFMPEG_PATH: process.env.FFMPEG_PATH };
  afterEach(() => {
    process.env.PATH = saved.PATH;
    if (saved.FFMPEG_PATH === undefined) delete process.env.FFMPEG_PATH;
    else process.env.FFMPEG_PATH = saved.FFMPEG_PATH;
  });

  it('finds ffmpeg and ffprobe on PATH', () => {
    const { ffmpeg, ffprobe } = findBinaries();
    assert.equal(path.basename(ffmpeg), 'ffmpeg');
    assert.equal(path.basename(ffprobe), 'ffprobe');
  });

  it('tells the user how to install ffmpeg when it is missing', () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'no-ffmpeg-'));
    try {
      delete process.env.FFMPEG_PATH;
      process.env.PATH = empty;
      assert.throws(() => findBinaries(), {
        code: 'media_failed',
        message: /apt-get install ffmpeg/,
      });
    } finally {
      rmSync(empty, { recursive: true });
    }
  });

  it('names a wrong FFMPEG_PATH', () => {
    process.env.FFMPEG_PATH = '/nonexistent/ffmpeg';
    assert.throws(() => findBinaries(), {
      code: 'media_failed',
      message: /FFMPEG_PATH is set to \/nonexistent\/ffmpeg/,
    });
  });
});

describe('runFfmpeg', () => {
  it('fails with the last lines of stderr, secrets removed', async () => {
    const error = await runFfmpeg([
      '-i',
      'https://user:pw@127.0.0.1:9/clip.mp4?X-Amz-Signature=secret',
      '-f',
      'null',
      '-',
    ]).then(
      () => assert.fail('should fail'),
      (e: { code: string; message: string }) => e,
    );
    assert.equal(error.code, 'media_failed');
    assert.match(error.message, /ffmpeg failed \(exit code \d+\)/);
    assert.match(error.message, /127\.0\.0\.1/);
    assert.doesNotMatch(error.message, /secret|pw@/);
  });

  it('kills ffmpeg when aborted', async () => {
    const controller = new AbortController();
    await assert.rejects(
      endless(controller.signal, () => controller.abort()),
      { code: 'aborted' },
    );
  });

  it('does not start when already aborted', async () => {
    await assert.rejects(runFfmpeg(['-version'], { signal: AbortSignal.abort() }), {
      code: 'aborted',
    });
  });

  it('runs no more processes at once than allowed', async () => {
    const before = mediaConcurrency();
    setMediaConcurrency(1);
    try {
      const first = new AbortController();
      const second = new AbortController();
      let runningWhileFirstRan = 0;
      let secondRan = false;
      const a = endless(first.signal, () => {
        if (first.signal.aborted) return;
        // both runs were asked for at once; only one may have been started
        runningWhileFirstRan = childProcesses('ffmpeg');
        first.abort();
      });
      const b = endless(second.signal, () => {
        secondRan = true;
        second.abort();
      });
      await Promise.allSettled([a, b]);
      assert.equal(runningWhileFirstRan, 1);
      assert.equal(secondRan, true, 'the second run started once the first ended');
    } finally {
      setMediaConcurrency(before);
    }
  });
});

describe('runFfmpeg pipes', () => {
  /** `bytes` of 16-bit mono sound, in chunks */
  async function* pcm(bytes: number, failAfter?: number) {
    for (let sent = 0; sent < bytes; sent += 4096) {
      if (failAfter !== undefined && sent >= failAfter) throw new Error('the source broke');
      yield Buffer.alloc(Math.min(4096, bytes - sent), 1);
    }
  }
  const copyToPipe3 = ['-f', 's16le', '-ar', '8000', '-ac', '1', '-i', 'pipe:0'];

  it('reads its standard input and writes pipe:3, every byte in order', async () => {
    const chunks: Buffer[] = [];
    await runFfmpeg([...copyToPipe3, '-c:a', 'pcm_s16le', '-f', 's16le', 'pipe:3'], {
      stdin: pcm(100_000),
      onPipe3: (chunk) => chunks.push(chunk),
    });
    const out = Buffer.concat(chunks);
    assert.equal(out.length, 100_000);
    assert.ok(out.every((byte) => byte === 1));
  });

  it('fails with its own error when it stops reading its input', async () => {
    await assert.rejects(
      runFfmpeg([...copyToPipe3, '-c:a', 'no-such-encoder', '-f', 'null', '-'], {
        stdin: pcm(10_000_000),
      }),
      (error: Error & { code?: string }) =>
        error.code === 'media_failed' && /exit code/.test(error.message),
    );
  });

  it('fails with its input’s error when the input breaks, not with a shorter result', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'shotrouter-pipe-'));
    try {
      await assert.rejects(
        runFfmpeg([...copyToPipe3, '-f', 's16le', '-y', path.join(dir, 'out.raw')], {
          stdin: pcm(1_000_000, 50_000),
        }),
        (error: Error & { code?: string }) =>
          error.code === 'media_failed' && /the source broke/.test(error.message),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** How many child processes of this process run `command` (Linux /proc). */
function childProcesses(command: string): number {
  const children = readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, 'utf8').trim();
  if (children === '') return 0;
  return children
    .split(' ')
    .filter((pid) => readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === command).length;
}

describe('allOrAbort', () => {
  it('aborts the other tasks on the first failure and reports that failure', async () => {
    let sawAbort = false;
    let running: () => void = () => {};
    const started = new Promise<void>((resolve) => {
      running = resolve;
    });
    const tasks = [
      (signal: AbortSignal) =>
        endless(signal, running).catch((error: { code: string }) => {
          sawAbort = error.code === 'aborted';
          throw error;
        }),
      async () => {
        await started;
        throw new Error('boom');
      },
    ];
    await assert.rejects(allOrAbort(tasks, undefined), /boom/);
    assert.equal(sawAbort, true);
  });
});

describe('escaping', () => {
  it('escapes filter option values for both parser levels', () => {
    assert.equal(filterValue("/tmp/it's:a[b],c;d"), "/tmp/it\\\\\\'s\\\\:a\\[b\\]\\,c\\;d");
  });
  it('redacts credentials and query strings', () => {
    assert.equal(
      redact('open https://u:p@cdn.example/v.mp4?token=abc failed'),
      'open https://cdn.example/v.mp4?… failed',
    );
  });
});
