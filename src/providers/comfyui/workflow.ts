/**
 * ComfyUI workflow templates: an API-format graph (what ComfyUI's "Export (API)" writes: node
 * id → `{class_type, inputs}`, a link being `[node id, output slot]`) plus the node inputs the
 * adapter fills for each shot. Shipped templates live in ./workflows/<name>.json; a user's own
 * export becomes a template by adding the same fields around it:
 *
 * | field            | meaning |
 * |------------------|---------|
 * | `name`           | the template name, which is the catalog route's `model` |
 * | `models`         | model files the graph loads, by ComfyUI models folder (said in errors) |
 * | `fps`            | frame rates the model is meant for; the first is the default |
 * | `frames`         | frame counts are `step`·k + 1 (Wan 4, LTX 8), between `min` and `max` |
 * | `size`           | width and height are multiples of `multiple`; `default` when none is asked |
 * | `audio`          | `none`, `optional` (then `audio_off` lists the inputs to drop) or `always` |
 * | `negative_prompt`| the default negative prompt |
 * | `inputs`         | for `prompt`, `negative_prompt`, `width`, `height`, `frames`, `fps`, `seed`: the `[node id, input]` pairs that receive the value |
 * | `start_image`    | optional: the LoadImage input that gets the uploaded image, and the `[node, input, from node, slot]` links made when a start image is given |
 * | `outputs`        | the output node ids (SaveVideo); only what they depend on is sent |
 * | `graph`          | the API-format graph |
 *
 * Nodes that nothing an output depends on (e.g. the start-image nodes of a text-to-video shot)
 * are pruned before the graph is sent.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { packageRoot } from '../../util/package-root.ts';
import { providerErrors } from '../errors.ts';

export const COMFYUI_PROVIDER = 'comfyui';

const NodeInput = z.tuple([z.string(), z.string()]);
const Link = z.tuple([z.string(), z.string(), z.string(), z.number().int().nonnegative()]);

const NodeSchema = z.looseObject({
  class_type: z.string().min(1),
  inputs: z.record(z.string(), z.unknown()),
});

export const TemplateSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string(),
  models: z.record(z.string(), z.array(z.string())),
  fps: z.array(z.number().positive()).min(1),
  frames: z.strictObject({
    step: z.number().int().positive(),
    min: z.number().int().positive(),
    max: z.number().int().positive(),
  }),
  size: z.strictObject({
    multiple: z.number().int().positive(),
    default: z.tuple([z.number().int().positive(), z.number().int().positive()]),
  }),
  audio: z.enum(['none', 'optional', 'always']),
  negative_prompt: z.string(),
  inputs: z.strictObject({
    prompt: z.array(NodeInput).min(1),
    negative_prompt: z.array(NodeInput),
    width: z.array(NodeInput).min(1),
    height: z.array(NodeInput).min(1),
    frames: z.array(NodeInput).min(1),
    fps: z.array(NodeInput).min(1),
    seed: z.array(NodeInput),
  }),
  start_image: z.strictObject({ image: NodeInput, links: z.array(Link).min(1) }).optional(),
  audio_off: z.array(NodeInput).optional(),
  outputs: z.array(z.string()).min(1),
  graph: z.record(z.string(), NodeSchema),
});

export type WorkflowTemplate = z.infer<typeof TemplateSchema>;
export type ApiGraph = Record<
  string,
  { class_type: string; inputs: Record<string, unknown>; [key: string]: unknown }
>;

/** The values one shot puts into a template. */
export interface WorkflowParams {
  prompt: string;
  negativePrompt: string;
  width: number;
  height: number;
  frames: number;
  fps: number;
  seed: number;
  /** the LoadImage value of the uploaded start image (`subfolder/name`) */
  startImage?: string;
  /** false drops the template's audio inputs (`audio_off`) */
  audio: boolean;
  /** where SaveVideo writes, under ComfyUI's output folder */
  filenamePrefix: string;
}

export const BUILT_IN_WORKFLOWS = path.join(
  packageRoot(import.meta.url),
  'src/providers/comfyui/workflows',
);

/** Parses and checks a template: every named node and input exists, links point at nodes. */
export function parseTemplate(value: unknown, source: string): WorkflowTemplate {
  const parsed = TemplateSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const at = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
    throw providerErrors.invalidRequest(
      COMFYUI_PROVIDER,
      `workflow template ${source}${at}: ${issue?.message}`,
    );
  }
  const template = parsed.data;
  const problem = (what: string) =>
    providerErrors.invalidRequest(COMFYUI_PROVIDER, `workflow template ${source}: ${what}`);
  const check = ([node, input]: readonly [string, string], what: string, mustExist = true) => {
    const entry = template.graph[node];
    if (!entry) throw problem(`${what} names node ${node}, which is not in the graph`);
    if (mustExist && !(input in entry.inputs))
      throw problem(`${what} names ${node}.${input}, which the node does not have`);
  };
  for (const [name, refs] of Object.entries(template.inputs))
    for (const ref of refs) check(ref, `inputs.${name}`);
  for (const ref of template.audio_off ?? []) check(ref, 'audio_off');
  if (template.start_image) {
    check(template.start_image.image, 'start_image.image');
    for (const [node, input, from] of template.start_image.links) {
      check([node, input], 'start_image.links', false);
      check([from, ''], 'start_image.links', false);
    }
  }
  for (const output of template.outputs) check([output, ''], 'outputs', false);
  return template;
}

/** Loads a template by name from the given folders, first match wins. */
export function loadTemplate(name: string, folders: readonly string[]): WorkflowTemplate {
  if (!/^[\w.-]+$/.test(name)) {
    throw providerErrors.invalidRequest(COMFYUI_PROVIDER, `not a workflow template name: ${name}`);
  }
  for (const folder of folders) {
    const file = path.join(folder, `${name}.json`);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw providerErrors.invalidRequest(
        COMFYUI_PROVIDER,
        `workflow template ${file} is not valid JSON`,
      );
    }
    return parseTemplate(value, file);
  }
  throw providerErrors.invalidRequest(
    COMFYUI_PROVIDER,
    `no workflow template named ${name} (looked in ${folders.join(', ')})`,
  );
}

/** The graph for one shot: the template's graph with the values set, links made, and pruned. */
export function fillTemplate(template: WorkflowTemplate, params: WorkflowParams): ApiGraph {
  const graph = structuredClone(template.graph) as ApiGraph;
  const set = (refs: readonly (readonly [string, string])[], value: unknown) => {
    for (const [node, input] of refs) graph[node]!.inputs[input] = value;
  };
  set(template.inputs.prompt, params.prompt);
  set(template.inputs.negative_prompt, params.negativePrompt);
  set(template.inputs.width, params.width);
  set(template.inputs.height, params.height);
  set(template.inputs.frames, params.frames);
  set(template.inputs.fps, params.fps);
  set(template.inputs.seed, params.seed);
  if (params.startImage !== undefined) {
    if (!template.start_image) {
      throw providerErrors.invalidRequest(
        COMFYUI_PROVIDER,
        `template ${template.name} takes no start image`,
      );
    }
    set([template.start_image.image], params.startImage);
    for (const [node, input, from, slot] of template.start_image.links)
      graph[node]!.inputs[input] = [from, slot];
  }
  if (!params.audio)
    for (const [node, input] of template.audio_off ?? []) delete graph[node]!.inputs[input];
  for (const output of template.outputs) {
    if ('filename_prefix' in graph[output]!.inputs)
      graph[output]!.inputs.filename_prefix = params.filenamePrefix;
  }
  return prune(graph, template.outputs);
}

/** Only the output nodes and what they depend on. */
export function prune(graph: ApiGraph, outputs: readonly string[]): ApiGraph {
  const keep = new Set<string>();
  const visit = (id: string) => {
    if (keep.has(id) || !graph[id]) return;
    keep.add(id);
    for (const value of Object.values(graph[id].inputs)) {
      if (
        Array.isArray(value) &&
        value.length === 2 &&
        typeof value[0] === 'string' &&
        typeof value[1] === 'number'
      ) {
        visit(value[0]);
      }
    }
  };
  for (const output of outputs) visit(output);
  return Object.fromEntries(Object.entries(graph).filter(([id]) => keep.has(id)));
}

/** The frame count of the template's form (step·k + 1) that covers `seconds` at `fps`. */
export function frameCount(template: WorkflowTemplate, seconds: number, fps: number): number {
  const { step, min, max } = template.frames;
  const count = step * Math.ceil((seconds * fps - 1) / step) + 1;
  const lowest = step * Math.ceil((min - 1) / step) + 1;
  const highest = step * Math.floor((max - 1) / step) + 1;
  return Math.min(highest, Math.max(lowest, count));
}
