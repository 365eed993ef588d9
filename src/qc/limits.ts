/**
 * The numbers QC holds a take to. Each was measured on clips made with ffmpeg (see docs/qc.md,
 * "Thresholds and margins", and `npm run bench:qc-margins`), not guessed.
 */
export const QC_LIMITS = {
  /** a black stretch this long or longer fails the take (seconds) */
  blackSeconds: 0.5,
  /**
   * a pixel is black below this share of the luma range above black (blackdetect's pix_th); a
   * frame is black when `blackPictureShare` of its pixels are
   */
  blackPixel: 0.05,
  blackPictureShare: 0.98,
  /** a frozen stretch this long or longer fails the take (seconds) */
  frozenSeconds: 1,
  /**
   * frames that differ from the first frame of a stretch by less than this (freezedetect's
   * noise, in dB of the mean absolute difference) count as the same picture
   */
  freezeNoiseDb: -60,
  /** a silent stretch this long or longer fails a take that asked for audio (seconds) */
  silenceSeconds: 1,
  /** sound quieter than this counts as silence (dBFS) */
  silenceNoiseDb: -60,
  /** a sample this close to full scale or beyond counts as clipped */
  clippedSample: 0.999,
  /** more clipped samples than this share of all samples fails the take */
  clippedShare: 0.01,
  /**
   * a clip whose sound averages this loud (RMS over the whole clip, dBFS) or louder is driven
   * into clipping: AAC smooths the flat tops of clipped samples away, so after encoding the
   * sustained level is what still shows it
   */
  clippedRmsDb: -6,
  /**
   * how different two consecutive frames must be to count as a cut, 0–1 (scdet's score / 100),
   * the same default as splitting a multi-shot clip
   */
  cutScore: 0.1,
  /**
   * the least SSIM (luma, at the analysis size) between a supplied frame and the clip's: the
   * same picture moved by up to 5%, re-encoded or recoloured measured 0.65 and up, different
   * detailed pictures 0.43 and below (luma, since on the colour planes flat pictures look alike)
   */
  frameSsim: 0.6,
} as const;

/** Frames are analysed at this width at most: every defect shows at this size and decoding dominates. */
export const ANALYSIS_WIDTH = 320;
