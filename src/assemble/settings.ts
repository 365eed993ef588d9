/**
 * What the deliverable is, with every default applied: the storyboard's `deliver` block plus
 * the optional codec, fit and loudness additions (docs/storyboard.md).
 */
import type { VideoCodec } from '../media/index.ts';
import { DEFAULT_LOUDNESS_LUFS, type Deliver, type DeliverFit } from '../storyboard/types.ts';

export interface DeliverySettings {
  width: number;
  height: number;
  fps: number;
  audio: boolean;
  codec: VideoCodec;
  fit: DeliverFit;
  /** EBU R128 integrated loudness target, LUFS */
  loudness: number;
  /** the file name of the cut: `final.mp4`, or `final.mov` for ProRes (MP4 cannot hold it) */
  finalFile: string;
  /** the extension of every conformed clip, with its dot */
  ext: '.mp4' | '.mov';
}

export const FINAL_BASENAME = 'final';

export function deliverySettings(deliver: Deliver): DeliverySettings {
  const codec = deliver.codec ?? 'h264';
  const ext = codec === 'prores' ? '.mov' : '.mp4';
  return {
    width: deliver.size.width,
    height: deliver.size.height,
    fps: deliver.fps,
    audio: deliver.audio,
    codec,
    fit: deliver.fit ?? 'fit',
    loudness: deliver.loudness ?? DEFAULT_LOUDNESS_LUFS,
    finalFile: `${FINAL_BASENAME}${ext}`,
    ext,
  };
}
