/**
 * Reads a storyboard's text into a positioned document, by the fastest parser that accepts it:
 * the fast JSON parser for text that starts like JSON, the YAML subset parser otherwise, and the
 * full `yaml` parser (util/source-doc.ts) for everything else, including every syntax error.
 */
import { parseSourceDoc, type SourceDoc } from '../util/source-doc.ts';
import { parseJsonFast } from './fast-json.ts';
import { parseYamlSubset } from './fast-yaml.ts';

export function readSourceDoc(text: string, file: string): SourceDoc {
  const first = /\S/.exec(text)?.[0];
  const fast =
    first === '{' || first === '[' ? parseJsonFast(text, file) : parseYamlSubset(text, file);
  return fast ?? parseSourceDoc(text, file);
}
