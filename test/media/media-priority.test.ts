/**
 * lowerMediaPriority: the ffmpeg processes started after it run at the nice value asked (read
 * from /proc while one runs). Its own file: the setting holds for the whole process.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { lowerMediaPriority, runFfmpeg } from '../../src/media/ffmpeg.ts';
import { waitFor } from '../wait.ts';

/** The nice value of each running ffmpeg process this process started, by pid. */
function childFfmpegNice(): number[] {
  const nices: number[] = [];
  for (const pid of fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    // pid (comm) state ppid … : the fields after the command name, which may hold spaces
    const close = stat.lastIndexOf(')');
    const command = stat.slice(stat.indexOf('(') + 1, close);
    const fields = stat.slice(close + 2).split(' ');
    if (command === 'ffmpeg' && Number(fields[1]) === process.pid) nices.push(Number(fields[16]));
  }
  return nices;
}

/** Starts an ffmpeg that runs until stopped, and returns its nice value once it is seen. */
async function niceOfRunningFfmpeg(): Promise<number> {
  const stop = new AbortController();
  // real-time reading of silence: runs until killed
  const running = runFfmpeg(['-re', '-f', 'lavfi', '-i', 'anullsrc=r=8000', '-f', 'null', '-'], {
    signal: stop.signal,
  }).catch(() => {});
  try {
    const [nice] = await waitFor('ffmpeg running', () => {
      const nices = childFfmpegNice();
      return nices.length > 0 ? nices : undefined;
    });
    return nice!;
  } finally {
    stop.abort();
    await running;
  }
}

describe('lowerMediaPriority', { skip: process.platform !== 'linux' && 'reads /proc' }, () => {
  it('ffmpeg runs at this process’s priority until lowered, then at the nice value asked', async () => {
    const own = fs.readFileSync('/proc/self/stat', 'utf8');
    const ownNice = Number(own.slice(own.lastIndexOf(')') + 2).split(' ')[16]);
    assert.equal(await niceOfRunningFfmpeg(), ownNice);
    lowerMediaPriority(7);
    assert.equal(await niceOfRunningFfmpeg(), Math.max(7, ownNice));
  });
});
