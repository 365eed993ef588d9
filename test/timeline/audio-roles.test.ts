/** Audio roles come from each shot's sound, not one role for every clip. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { shotAudioRole } from '../../src/assemble/timelines.ts';
import { audioRoleFor, writeFcpxml } from '../../src/timeline/index.ts';
import { threeShotTimeline } from './fixtures.ts';

describe('audio roles', () => {
  it('dialogue is dialogue, ambience and effects are effects, music is music, silence has none', () => {
    const sound = { dialogue: false, effects: false, silent: false };
    assert.equal(audioRoleFor({ ...sound, dialogue: true, effects: true }), 'dialogue');
    assert.equal(audioRoleFor({ ...sound, effects: true }), 'effects');
    assert.equal(audioRoleFor({ ...sound, music: true }), 'music');
    assert.equal(audioRoleFor({ ...sound, silent: true }), null);
    assert.equal(audioRoleFor(sound), 'effects', 'sound not described is ambience');
    assert.equal(
      shotAudioRole({ audio: { dialogue: [], ambient: 'gulls and surf', silent: false } }),
      'effects',
    );
    assert.equal(shotAudioRole({ audio: { dialogue: [], silent: true } }), null);
  });

  it('FCPXML writes each clip’s role, and none for a silent shot', () => {
    const timeline = threeShotTimeline(24);
    timeline.clips[0]!.audioRole = 'effects';
    timeline.clips[1]!.audioRole = 'dialogue';
    timeline.clips[2]!.audioRole = null;
    const xml = writeFcpxml(timeline);
    const roles = [...xml.matchAll(/<asset-clip [^>]*name="([^"]+)"[^>]*>/g)].map((m) => [
      m[1],
      /audioRole="([^"]+)"/.exec(m[0])?.[1] ?? null,
    ]);
    const byName = new Map(roles as Array<[string, string | null]>);
    assert.equal(byName.get(timeline.clips[0]!.name), 'effects');
    assert.equal(byName.get(timeline.clips[2]!.name), null);
    assert.ok(roles.some(([, role]) => role === 'dialogue'));
  });
});
