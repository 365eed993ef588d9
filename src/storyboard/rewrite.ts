/**
 * Writing an edit back into a storyboard file: the order of `shots` and the edit-only fields
 * (`trim`, `omit`, a reuse shot's `reuse` and `duration`), and nothing else. YAML is edited as
 * a document, so every comment, every other field and its formatting stay where the author put
 * them (a moved shot takes its comments along). JSON is edited the same way and printed as JSON.
 */
import { isMap, isSeq, parseDocument, type YAMLMap } from 'yaml';
import { ShotrouterError } from '../errors.ts';

/** One storyboard item as the edit leaves it, in the new order of `shots`. */
export type RewrittenItem =
  | {
      kind: 'shot';
      id: string;
      /** null: the whole clip (no trim) */
      trim: { in: number; out: number } | null;
      omit: boolean;
    }
  | {
      kind: 'reuse';
      id: string;
      shot: string;
      in: number;
      duration: number;
      /** a new reuse shot made by the import */
      added: boolean;
      /** the shot whose edit fields (scene, transition, title, caption, fade_out) it takes over */
      takesEditFieldsOf: string | null;
    };

/** The edit fields a reuse piece takes over from the shot it plays in place of. */
const MOVED_FIELDS = ['scene', 'transition', 'title', 'caption', 'fade_out'];

/** The storyboard text with `shots` in the order of `items`, each with its edit fields. */
export function rewriteShots(text: string, file: string, items: readonly RewrittenItem[]): string {
  const json = /\.json$/i.test(file);
  const doc = parseDocument(text, { uniqueKeys: false });
  if (doc.errors.length > 0) {
    throw new ShotrouterError('usage', `${file} does not parse: ${doc.errors[0]!.message}`);
  }
  const shots = doc.get('shots', true);
  if (!isSeq(shots)) throw new ShotrouterError('usage', `${file} has no list of shots`);
  const byId = new Map<string, YAMLMap>();
  for (const node of shots.items) {
    if (isMap(node)) byId.set(String(node.get('id')), node as YAMLMap);
  }
  const flow = <T>(value: T) => {
    const node = doc.createNode(value);
    if (isMap(node)) node.flow = true;
    return node;
  };

  const next: YAMLMap[] = [];
  for (const item of items) {
    let node = byId.get(item.id);
    if (item.kind === 'shot') {
      if (!node) throw new ShotrouterError('usage', `no shot '${item.id}' in ${file}`);
      if (item.omit) node.set('omit', true);
      else node.delete('omit');
      if (!item.omit || item.trim === null) {
        if (item.trim) node.set('trim', flow({ in: item.trim.in, out: item.trim.out }));
        else node.delete('trim');
      }
      if (item.omit && item.trim === null) node.delete('trim');
    } else {
      if (!node) {
        node = doc.createNode({ id: item.id }) as YAMLMap;
        const from = item.takesEditFieldsOf === null ? undefined : byId.get(item.takesEditFieldsOf);
        for (const key of MOVED_FIELDS) {
          if (!from?.has(key)) continue;
          node.set(key, from.get(key, true));
          from.delete(key);
        }
      }
      node.set('reuse', flow({ shot: item.shot, in: item.in }));
      node.set('duration', item.duration);
    }
    next.push(node);
  }
  shots.items = next;
  if (json) return `${JSON.stringify(doc.toJS(), null, 2)}\n`;
  const out = restoreLines(text, doc.toString({ lineWidth: 0 }));
  return text.endsWith('\n') && !out.endsWith('\n') ? `${out}\n` : out;
}

/**
 * The printer has one spacing for `{ }` and `[ ]`; authors mix them. A printed line that
 * differs from one of the author's only in that spacing is given back as the author wrote it,
 * so lines the edit did not touch read exactly as before.
 */
function restoreLines(original: string, printed: string): string {
  const key = (line: string) => line.replace(/([{[])\s+/g, '$1').replace(/\s+([}\]])/g, '$1');
  const theirs = new Map<string, string>();
  for (const line of original.split('\n')) {
    if (!theirs.has(key(line))) theirs.set(key(line), line);
  }
  return printed
    .split('\n')
    .map((line) => theirs.get(key(line)) ?? line)
    .join('\n');
}
