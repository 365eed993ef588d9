/**
 * What a stream's decoder configuration, as an MP4 stores it, says about the stream, so a clip
 * can be described without starting ffprobe (probe.ts): an H.264 sequence parameter set
 * (ITU-T H.264 §7.3.2.1: chroma format, bit depth, cropped size, the VUI's sample aspect ratio,
 * range and colour description) and an AAC AudioSpecificConfig (ISO 14496-3 §1.6.2.1: object
 * type, sample rate, channels). Anything unusual reads as undefined: the caller then asks
 * ffprobe.
 */

export interface SpsFacts {
  /** 0 monochrome, 1 4:2:0, 2 4:2:2, 3 4:4:4 */
  chromaFormat: number;
  bitDepth: number;
  /** the picture size after the SPS's cropping */
  width: number;
  height: number;
  /** the VUI's sample aspect ratio, when it gives one */
  sampleAspect?: [number, number];
  /** the VUI's video_full_range_flag, when it carries a video signal type */
  fullRange?: boolean;
  /** the VUI's matrix_coefficients, when it carries a colour description */
  matrixCoefficients?: number;
}

/** The SPS of an `avcC` box's body (AVCDecoderConfigurationRecord), or undefined. */
export function spsOfAvcC(avcC: Buffer): SpsFacts | undefined {
  if (avcC.length < 8 || avcC[0] !== 1) return undefined;
  const count = avcC[5]! & 0x1f;
  if (count < 1) return undefined;
  const length = avcC.readUInt16BE(6);
  if (8 + length > avcC.length) return undefined;
  return parseSps(avcC.subarray(8, 8 + length));
}

/** Profiles whose SPS carries chroma format, bit depth and scaling lists (§7.3.2.1.1). */
const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);

/** Table E-1: the sample aspect ratios of aspect_ratio_idc 1–16. */
const ASPECT_RATIOS: ReadonlyArray<[number, number]> = [
  [1, 1],
  [12, 11],
  [10, 11],
  [16, 11],
  [40, 33],
  [24, 11],
  [20, 11],
  [32, 11],
  [80, 33],
  [18, 11],
  [15, 11],
  [64, 33],
  [160, 99],
  [4, 3],
  [3, 2],
  [2, 1],
];
const EXTENDED_SAR = 255;

/** A NAL unit holding an SPS (its header byte included), or undefined when it is not one. */
export function parseSps(nal: Buffer): SpsFacts | undefined {
  if (nal.length < 4 || (nal[0]! & 0x1f) !== 7) return undefined;
  try {
    return readSps(new BitReader(rbspOf(nal.subarray(1))));
  } catch (error) {
    if (error instanceof RangeError) return undefined; // cut short
    throw error;
  }
}

function readSps(bits: BitReader): SpsFacts | undefined {
  const profile = bits.u(8);
  bits.u(16); // constraint flags, level
  bits.ue(); // seq_parameter_set_id
  let chromaFormat = 1;
  let bitDepth = 8;
  let separatePlanes = false;
  if (HIGH_PROFILES.has(profile)) {
    chromaFormat = bits.ue();
    if (chromaFormat > 3) return undefined;
    if (chromaFormat === 3) separatePlanes = bits.u(1) === 1;
    bitDepth = bits.ue() + 8;
    if (bits.ue() + 8 !== bitDepth) return undefined; // luma and chroma depths differ
    bits.u(1); // qpprime_y_zero_transform_bypass_flag
    if (bits.u(1) === 1) {
      for (let i = 0; i < (chromaFormat === 3 ? 12 : 8); i++) {
        if (bits.u(1) === 1) skipScalingList(bits, i < 6 ? 16 : 64);
      }
    }
  }
  bits.ue(); // log2_max_frame_num_minus4
  const orderType = bits.ue();
  if (orderType === 0) {
    bits.ue(); // log2_max_pic_order_cnt_lsb_minus4
  } else if (orderType === 1) {
    bits.u(1); // delta_pic_order_always_zero_flag
    bits.se();
    bits.se();
    const cycle = bits.ue();
    for (let i = 0; i < cycle; i++) bits.se();
  } else if (orderType !== 2) {
    return undefined;
  }
  bits.ue(); // max_num_ref_frames
  bits.u(1); // gaps_in_frame_num_value_allowed_flag
  const widthInMbs = bits.ue() + 1;
  const heightInMapUnits = bits.ue() + 1;
  const frameMbsOnly = bits.u(1) === 1;
  if (!frameMbsOnly) bits.u(1); // mb_adaptive_frame_field_flag
  bits.u(1); // direct_8x8_inference_flag
  let crop = [0, 0, 0, 0];
  if (bits.u(1) === 1) crop = [bits.ue(), bits.ue(), bits.ue(), bits.ue()];
  // crop units (§7.4.2.1.1): by chroma subsampling, and doubled vertically for field coding
  const chroma = separatePlanes ? 0 : chromaFormat;
  const cropX = chroma === 1 || chroma === 2 ? 2 : 1;
  const cropY = (chroma === 1 ? 2 : 1) * (frameMbsOnly ? 1 : 2);
  const facts: SpsFacts = {
    chromaFormat,
    bitDepth,
    width: widthInMbs * 16 - cropX * (crop[0]! + crop[1]!),
    height: heightInMapUnits * 16 * (frameMbsOnly ? 1 : 2) - cropY * (crop[2]! + crop[3]!),
  };
  if (bits.u(1) === 1) readVui(bits, facts);
  return facts;
}

/** The VUI fields up to the colour description (§E.1.1); the rest is not needed. */
function readVui(bits: BitReader, facts: SpsFacts): void {
  if (bits.u(1) === 1) {
    const idc = bits.u(8);
    if (idc === EXTENDED_SAR) {
      const sar: [number, number] = [bits.u(16), bits.u(16)];
      if (sar[0] > 0 && sar[1] > 0) facts.sampleAspect = sar;
    } else if (idc >= 1 && idc <= ASPECT_RATIOS.length) {
      facts.sampleAspect = ASPECT_RATIOS[idc - 1]!;
    }
  }
  if (bits.u(1) === 1) bits.u(1); // overscan_info_present_flag, overscan_appropriate_flag
  if (bits.u(1) === 1) {
    bits.u(3); // video_format
    facts.fullRange = bits.u(1) === 1;
    if (bits.u(1) === 1) {
      bits.u(16); // colour_primaries, transfer_characteristics
      facts.matrixCoefficients = bits.u(8);
    }
  }
}

function skipScalingList(bits: BitReader, size: number): void {
  let last = 8;
  let next = 8;
  for (let j = 0; j < size; j++) {
    if (next !== 0) next = (last + bits.se() + 256) % 256;
    last = next === 0 ? last : next;
  }
}

/** The RBSP of a NAL unit's payload: every emulation-prevention byte (00 00 03) removed. */
function rbspOf(payload: Buffer): Buffer {
  const out = Buffer.alloc(payload.length);
  let length = 0;
  let zeros = 0;
  for (const byte of payload) {
    if (zeros >= 2 && byte === 3) {
      zeros = 0;
      continue;
    }
    zeros = byte === 0 ? zeros + 1 : 0;
    out[length++] = byte;
  }
  return out.subarray(0, length);
}

/** Reads bits most significant first; past the end it throws a RangeError. */
class BitReader {
  #at = 0;
  readonly #bytes: Buffer;

  constructor(bytes: Buffer) {
    this.#bytes = bytes;
  }

  u(count: number): number {
    let value = 0;
    for (let i = 0; i < count; i++) {
      const byte = this.#bytes[this.#at >> 3];
      if (byte === undefined) throw new RangeError('the configuration ends early');
      value = value * 2 + ((byte >> (7 - (this.#at & 7))) & 1);
      this.#at++;
    }
    return value;
  }

  /** unsigned Exp-Golomb */
  ue(): number {
    let zeros = 0;
    while (this.u(1) === 0) {
      if (++zeros > 31) throw new RangeError('an Exp-Golomb code longer than 32 bits');
    }
    return 2 ** zeros - 1 + this.u(zeros);
  }

  /** signed Exp-Golomb */
  se(): number {
    const code = this.ue();
    return code % 2 === 1 ? (code + 1) / 2 : -code / 2;
  }
}

export interface AacConfig {
  /** the audio object type: 2 is AAC LC; 5 and 29 add SBR and PS */
  objectType: number;
  sampleRate: number;
  /** from the channel configuration; undefined when the stream describes its own (0) */
  channels?: number;
}

/** ISO 14496-3 Table 1.18: the sampling frequencies of index 0–12. */
const AAC_RATES = [
  96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350,
];
/** Table 1.19: channels by channel configuration 1–7. */
const AAC_CHANNELS = [1, 2, 3, 4, 5, 6, 8];

/** An AudioSpecificConfig (the decoder-specific info of an `esds`), or undefined. */
export function parseAacConfig(config: Buffer): AacConfig | undefined {
  try {
    const bits = new BitReader(config);
    let objectType = bits.u(5);
    if (objectType === 31) objectType = 32 + bits.u(6);
    const index = bits.u(4);
    const sampleRate = index === 15 ? bits.u(24) : AAC_RATES[index];
    if (sampleRate === undefined || sampleRate === 0) return undefined;
    const layout = bits.u(4);
    const channels = AAC_CHANNELS[layout - 1];
    return { objectType, sampleRate, ...(channels === undefined ? {} : { channels }) };
  } catch (error) {
    if (error instanceof RangeError) return undefined;
    throw error;
  }
}
