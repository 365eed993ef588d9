/**
 * What a shot asks of a model, derived from the checked shot exactly as docs/storyboard.md
 * "What a shot asks of a model" says. Never written by hand.
 */
import type {
  Character,
  Deliver,
  ImageRef,
  Location,
  Look,
  Orientation,
  Shot,
  ShotNeeds,
  Size,
} from './types.ts';

export function orientationOf(size: Size): Orientation {
  if (size.width > size.height) return 'landscape';
  return size.width < size.height ? 'portrait' : 'square';
}

export function deriveNeeds(
  shot: Omit<Shot, 'needs' | 'position'>,
  deliver: Deliver,
  characters: ReadonlyMap<string, Character>,
  locations: ReadonlyMap<string, Location> = new Map(),
  options: { dialogueByTts?: boolean } = {},
): ShotNeeds {
  const { audio } = shot;
  const audible = deliver.audio && !audio.silent;
  // dialogue voiced by TTS (`policy.dialogue_voice: tts`) asks no sound of the model
  const spoken = audio.dialogue.length > 0 && options.dialogueByTts !== true;
  const needs: ShotNeeds = {
    seconds: shot.duration / shot.slowmo,
    size: shot.size,
    orientation: orientationOf(shot.size),
    targetFps: shot.fps,
    audio: !audible
      ? 'none'
      : spoken
        ? 'required'
        : audio.ambient !== undefined || audio.sfx !== undefined || audio.music !== undefined
          ? 'preferred'
          : 'none',
    referenceImages: referenceImages(shot, characters, locations),
    // a frame of another shot's take is a first frame like any other (known once that take exists)
    firstFrame: shot.firstFrame !== undefined || shot.firstFrameFrom !== undefined,
    lastFrame: shot.lastFrame !== undefined,
  };
  // rounded to the millisecond-frame so that 23.976 × 2.5 reads 59.94, not 59.940000000000005
  if (shot.slowmo > 1) {
    needs.minFps = Math.round(shot.fps * shot.slowmo * 1000) / 1000;
    needs.slowmo = shot.slowmo;
  }
  if (showsRealPerson(shot, characters)) needs.realPerson = true;
  return needs;
}

/** A reference travelling with the shot shows a real person: its own (marked) or a marked character's. */
function showsRealPerson(
  shot: Pick<Shot, 'references' | 'characters' | 'realPerson' | 'looks'>,
  characters: ReadonlyMap<string, Character>,
): boolean {
  if (shot.realPerson === true && shot.references.length > 0) return true;
  return shot.characters.some((name) => {
    const character = characters.get(name);
    const look = lookOf(shot, name, characters);
    return (
      (character?.realPerson === true && character.references.length > 0) ||
      (look?.realPerson === true && look.references.length > 0)
    );
  });
}

/** The look a shot shows a character in (`characters: [mia@gym]`), if it picked one. */
export function lookOf(
  shot: Pick<Shot, 'looks'>,
  name: string,
  characters: ReadonlyMap<string, Character> | Readonly<Record<string, Character>>,
): Look | undefined {
  const lookName = shot.looks?.[name];
  if (lookName === undefined) return undefined;
  const character =
    characters instanceof Map
      ? characters.get(name)
      : (characters as Readonly<Record<string, Character>>)[name];
  return character?.looks?.[lookName];
}

/** The shot's own references, then each character's look's and its own, each image once. */
function referenceImages(
  shot: Pick<Shot, 'references' | 'characters' | 'looks' | 'location'>,
  characters: ReadonlyMap<string, Character>,
  locations: ReadonlyMap<string, Location>,
): ImageRef[] {
  const place = shot.location === undefined ? undefined : locations.get(shot.location);
  if (shot.characters.length === 0 && !place?.references.length && shot.references.length <= 1)
    return [...shot.references];
  const seen = new Set<string>();
  const images: ImageRef[] = [];
  const add = (ref: ImageRef) => {
    const key = ref.path ?? ref.url ?? ref.spec;
    if (seen.has(key)) return;
    seen.add(key);
    images.push(ref);
  };
  shot.references.forEach(add);
  for (const name of shot.characters) {
    // the look's pictures first: they show the character as this shot wants them
    lookOf(shot, name, characters)?.references.forEach(add);
    characters.get(name)?.references.forEach(add);
  }
  place?.references.forEach(add);
  return images;
}
