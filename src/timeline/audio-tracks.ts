/**
 * The sounds under the clips read back from a timeline we wrote: the audio tracks whose clips
 * carry our audio record (`metadata.shotrouter.audio`, see provenance.ts), placed by their gaps.
 */
import type { AudioRecord } from './provenance.ts';
import type { AudioClip, AudioTrack, ReadTimeline } from './types.ts';

export function audioTracksOf(read: ReadTimeline): AudioTrack[] {
  const tracks: AudioTrack[] = [];
  for (const track of read.tracks) {
    if (track.kind !== 'audio') continue;
    let at = 0;
    const clips: AudioClip[] = [];
    for (const item of track.items) {
      const record = audioRecordOf(item.metadata);
      if (item.kind === 'clip' && record !== undefined && item.file !== undefined) {
        clips.push({
          name: item.name ?? item.file,
          file: item.file,
          at,
          sourceStart: item.sourceStart ?? 0,
          duration: item.duration,
          ...(item.mediaDuration === undefined ? {} : { mediaDuration: item.mediaDuration }),
          source: record.source,
          gainDb: record.gain_db,
          ducked: record.ducked,
          ...(record.shot_id === null ? {} : { shotId: record.shot_id }),
        });
      }
      if (item.kind !== 'transition') at += item.duration;
    }
    if (clips.length === 0) continue;
    tracks.push({
      // written as `A2 music`: the name without its track number
      name: (track.name ?? '').replace(/^A\d+\s+/, '') || clips[0]!.source,
      role: clips.every((c) => c.source === 'music') ? 'music' : 'dialogue',
      clips,
    });
  }
  return tracks;
}

function audioRecordOf(metadata: Record<string, unknown> | undefined): AudioRecord | undefined {
  const ours = metadata?.shotrouter as Record<string, unknown> | undefined;
  const audio = ours?.audio as Partial<AudioRecord> | undefined;
  if (
    typeof audio !== 'object' ||
    audio === null ||
    !['music', 'narration', 'dialogue'].includes(audio.source as string) ||
    typeof audio.gain_db !== 'number' ||
    typeof audio.ducked !== 'boolean'
  ) {
    return undefined;
  }
  return {
    source: audio.source!,
    gain_db: audio.gain_db,
    ducked: audio.ducked,
    shot_id: typeof audio.shot_id === 'string' ? audio.shot_id : null,
  };
}
