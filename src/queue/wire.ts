/**
 * A job's spec as it travels to a worker on another machine: JSON, with reference images left
 * out of the message and put in the shared folder by content (`refs/<sha256>`), where every
 * worker reads them.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { JobSpec, ReferenceInput } from '../engine/job-spec.ts';
import { ShotrouterError } from '../errors.ts';

export const REFS_DIR = 'refs';

type WireReference = Omit<ReferenceInput, 'file'> & { file?: { mediaType: string } };
export type WireSpec = Omit<JobSpec, 'references'> & { references: WireReference[] };

/** Puts the spec's reference images in the shared folder (once per content) and returns its wire form. */
export function toWire(spec: JobSpec, sharedRoot: string): WireSpec {
  const references = spec.references.map((ref): WireReference => {
    if (!ref.file) return ref;
    const target = path.join(sharedRoot, REFS_DIR, ref.id);
    if (!fs.existsSync(target)) {
      fs.mkdirSync(path.dirname(target), { recursive: true });
      const temp = `${target}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
      fs.writeFileSync(temp, ref.file.data);
      fs.renameSync(temp, target);
    }
    const { file, ...rest } = ref;
    return { ...rest, file: { mediaType: file.mediaType } };
  });
  return { ...spec, references };
}

export function fromWire(wire: WireSpec, sharedRoot: string): JobSpec {
  const references = wire.references.map((ref): ReferenceInput => {
    if (!ref.file) return ref as ReferenceInput;
    const file = path.join(sharedRoot, REFS_DIR, ref.id);
    if (!fs.existsSync(file)) {
      throw new ShotrouterError(
        'internal',
        `reference image ${ref.spec} is not in the shared folder (${file}): is the shared folder the same on every machine?`,
      );
    }
    return {
      ...ref,
      file: { mediaType: ref.file.mediaType, data: new Uint8Array(fs.readFileSync(file)) },
    };
  });
  return { ...wire, references };
}
