/**
 * A small input-schema checker for the aggregators (fal, Replicate), whose per-model inputs
 * are validated by the host before a job exists: enums, types, ranges, required fields and
 * defaults, plus one cross-field rule per model.
 */

export interface InputField {
  /** allowed values; in lax mode a number enum also accepts its numeric string ("5" for 5) */
  enum?: readonly (string | number)[];
  type?: 'string' | 'number' | 'integer' | 'boolean' | 'array';
  min?: number;
  max?: number;
  required?: boolean;
  default?: unknown;
  /**
   * Also accepts a `{width, height}` object of positive whole numbers (fal's `ImageSize`), as
   * LTX-2's `video_size` does besides its named sizes. Each side defaults to 512, as fal's does.
   */
  size?: boolean;
}

export interface InputSchema {
  fields: Record<string, InputField>;
  /** a cross-field rule the fields alone cannot say; returns [field, message] when broken */
  check?(input: Record<string, unknown>): [string, string] | undefined;
}

/** A validation problem, in pydantic's terms (fal uses them as they are). */
export interface InputIssue {
  loc: string[];
  msg: string;
  type: string;
  input: unknown;
}

function matchesEnum(
  value: unknown,
  allowed: readonly (string | number)[],
  lax: boolean,
): string | number | undefined {
  for (const option of allowed) {
    if (value === option) return option;
    // a number enum accepts its numeric string, as pydantic's lax mode does
    if (
      lax &&
      typeof option === 'number' &&
      typeof value === 'string' &&
      value.trim() !== '' &&
      Number(value) === option
    ) {
      return option;
    }
  }
  return undefined;
}

/** The first bad side of a `{width, height}` size: its name and the issue, else undefined. */
function sizeProblem(
  size: Record<string, unknown>,
): [string, { msg: string; type: string }] | undefined {
  for (const side of ['width', 'height']) {
    const value = size[side];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isInteger(value))
      return [side, { msg: 'Input should be a valid integer', type: 'int_type' }];
    if (value <= 0) return [side, { msg: 'Input should be greater than 0', type: 'greater_than' }];
  }
  return undefined;
}

/** Validates `input` against the model's schema; returns the input with defaults filled, or the issues. */
export function validateInput(
  schema: InputSchema,
  input: Record<string, unknown>,
  lax = true,
): { ok: true; input: Record<string, unknown> } | { ok: false; issues: InputIssue[] } {
  const issues: InputIssue[] = [];
  const out: Record<string, unknown> = { ...input };
  for (const [name, field] of Object.entries(schema.fields)) {
    const value = input[name];
    if (value === undefined || value === null) {
      if (field.required)
        issues.push({ loc: ['body', name], msg: 'Field required', type: 'missing', input });
      else if (field.default !== undefined) out[name] = field.default;
      continue;
    }
    if (field.size && typeof value === 'object' && !Array.isArray(value)) {
      const problem = sizeProblem(value as Record<string, unknown>);
      if (problem === undefined) {
        const given = value as { width?: number; height?: number };
        out[name] = { width: given.width ?? 512, height: given.height ?? 512 };
      } else {
        issues.push({ loc: ['body', name, problem[0]], ...problem[1], input: value });
      }
      continue;
    }
    if (field.enum !== undefined) {
      const matched = matchesEnum(value, field.enum, lax);
      if (matched === undefined) {
        const list = field.enum
          .map((v) => (typeof v === 'string' ? `'${v}'` : String(v)))
          .join(', ');
        issues.push({
          loc: ['body', name],
          msg: `Input should be ${list}`,
          type: 'literal_error',
          input: value,
        });
      } else {
        out[name] = matched;
      }
      continue;
    }
    const kind = field.type;
    const wrongType =
      (kind === 'string' && typeof value !== 'string') ||
      (kind === 'boolean' && typeof value !== 'boolean') ||
      (kind === 'array' && !Array.isArray(value)) ||
      ((kind === 'number' || kind === 'integer') && typeof value !== 'number') ||
      (kind === 'integer' && !Number.isInteger(value));
    if (wrongType) {
      issues.push({
        loc: ['body', name],
        msg: `Input should be a valid ${kind}`,
        type: `${kind}_type`,
        input: value,
      });
      continue;
    }
    if (typeof value === 'number') {
      if (field.min !== undefined && value < field.min) {
        issues.push({
          loc: ['body', name],
          msg: `Input should be greater than or equal to ${field.min}`,
          type: 'greater_than_equal',
          input: value,
        });
      } else if (field.max !== undefined && value > field.max) {
        issues.push({
          loc: ['body', name],
          msg: `Input should be less than or equal to ${field.max}`,
          type: 'less_than_equal',
          input: value,
        });
      }
    }
  }
  if (issues.length === 0 && schema.check !== undefined) {
    const broken = schema.check(out);
    if (broken !== undefined)
      issues.push({
        loc: ['body', broken[0]],
        msg: broken[1],
        type: 'value_error',
        input: out[broken[0]],
      });
  }
  return issues.length === 0 ? { ok: true, input: out } : { ok: false, issues };
}
