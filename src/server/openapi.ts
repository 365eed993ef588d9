/**
 * Routes that document themselves: each is declared once with its zod schemas (path
 * parameters, query, JSON body, responses); the same schemas validate the request before the
 * handler runs and generate the OpenAPI 3.1 document served at /openapi.json.
 */
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { isReservedName } from '../util/reserved-names.ts';
import { ApiError } from './errors.ts';
import { apiSchemas, ErrorSchema } from './schemas.ts';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface ResponseDoc {
  description: string;
  /** a schema registered in `apiSchemas` (JSON) */
  schema?: z.ZodType;
  /** another content type, e.g. `video/mp4` or `text/event-stream` */
  content?: string;
}

export interface RouteSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  method: Method;
  /** OpenAPI style: `/api/projects/{id}` */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  params?: P;
  query?: Q;
  /** a JSON body schema */
  body?: B;
  /** a multipart body, described in words and by its parts */
  multipart?: {
    description: string;
    parts: Record<string, { description: string; binary: boolean; array?: boolean }>;
  };
  responses: Record<number, ResponseDoc>;
}

export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
}

interface Documented {
  spec: RouteSpec<z.ZodType, z.ZodType, z.ZodType>;
}

type EmptyObject = z.ZodObject<Record<string, never>>;

export class ApiRoutes {
  readonly #app: Hono;
  readonly #routes: Documented[] = [];

  constructor(app: Hono) {
    this.#app = app;
  }

  add<
    P extends z.ZodType = EmptyObject,
    Q extends z.ZodType = EmptyObject,
    B extends z.ZodType = z.ZodUndefined,
  >(
    spec: RouteSpec<P, Q, B>,
    handler: (
      c: Context,
      input: RouteInput<z.output<P>, z.output<Q>, z.output<B>>,
    ) => Response | Promise<Response>,
  ): void {
    this.#routes.push({ spec: spec as unknown as RouteSpec<z.ZodType, z.ZodType, z.ZodType> });
    const honoPath = spec.path.replace(/\{(\w+)\}/g, ':$1');
    this.#app.on(spec.method.toUpperCase(), honoPath, async (c) => {
      const params = parse(spec.params, c.req.param(), 'path');
      const query = parse(spec.query, c.req.query(), 'query');
      let body: unknown;
      if (spec.body) {
        const type = c.req.header('content-type') ?? '';
        if (!/^application\/json\b/i.test(type)) {
          throw new ApiError('unsupported_media_type', 'send the body as application/json');
        }
        const raw = parseJson(await c.req.text());
        body = parse(spec.body, raw, 'body');
      }
      return handler(c, { params, query, body } as RouteInput<
        z.output<P>,
        z.output<Q>,
        z.output<B>
      >);
    });
  }

  /** The OpenAPI 3.1 document of every route added. */
  document(info: { title: string; version: string; description: string }): object {
    const generated = z.toJSONSchema(apiSchemas, {
      uri: (id) => `#/components/schemas/${id}`,
      unrepresentable: 'any',
    });
    const schemas = Object.fromEntries(
      Object.entries(generated.schemas).map(([id, schema]) => [id, schemaObject(schema)]),
    );
    const ref = (schema: z.ZodType) => {
      const id = apiSchemas.get(schema)?.id;
      if (!id) throw new Error('a documented schema must be registered in apiSchemas');
      return { $ref: `#/components/schemas/${id}` };
    };
    const paths: Record<string, Record<string, unknown>> = {};
    for (const { spec } of this.#routes) {
      const parameters = [
        ...parametersOf(spec.params, 'path'),
        ...parametersOf(spec.query, 'query'),
      ];
      const responses: Record<string, unknown> = {};
      for (const [status, doc] of Object.entries(spec.responses)) {
        responses[status] = {
          description: doc.description,
          ...(doc.schema
            ? { content: { 'application/json': { schema: ref(doc.schema) } } }
            : doc.content
              ? { content: { [doc.content]: {} } }
              : {}),
        };
      }
      responses.default = {
        description: 'an error',
        content: { 'application/json': { schema: ref(ErrorSchema) } },
      };
      const requestBody = spec.body
        ? { required: true, content: { 'application/json': { schema: ref(spec.body) } } }
        : spec.multipart
          ? {
              required: true,
              description: spec.multipart.description,
              content: {
                'multipart/form-data': {
                  schema: {
                    type: 'object',
                    properties: Object.fromEntries(
                      Object.entries(spec.multipart.parts).map(([name, part]) => {
                        const one = part.binary
                          ? { type: 'string', contentMediaType: 'application/octet-stream' }
                          : { type: 'string' };
                        return [
                          name,
                          part.array
                            ? { type: 'array', items: one, description: part.description }
                            : { ...one, description: part.description },
                        ];
                      }),
                    ),
                  },
                },
              },
            }
          : undefined;
      paths[spec.path] ??= {};
      paths[spec.path]![spec.method] = {
        summary: spec.summary,
        ...(spec.description ? { description: spec.description } : {}),
        tags: [spec.tag],
        operationId: operationId(spec.method, spec.path),
        ...(parameters.length > 0 ? { parameters } : {}),
        ...(requestBody ? { requestBody } : {}),
        responses,
      };
    }
    return {
      openapi: '3.1.0',
      info,
      servers: [{ url: '/' }],
      paths,
      components: {
        schemas,
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      },
      security: [{}, { bearer: [] }],
    };
  }
}

function parse<T extends z.ZodType>(schema: T | undefined, value: unknown, where: string) {
  if (!schema) return {};
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ApiError('bad_request', `invalid ${where}: ${z.prettifyError(result.error)}`, {
    details: {
      issues: result.error.issues.map((i) => ({
        path: [where, ...i.path.map(String)].join('.'),
        message: i.message,
      })),
    },
  });
}

function parametersOf(schema: z.ZodType | undefined, place: 'path' | 'query') {
  if (!(schema instanceof z.ZodObject)) return [];
  return Object.entries(schema.shape as Record<string, z.ZodType>).map(([name, field]) => ({
    name,
    in: place,
    required: place === 'path' || !field.safeParse(undefined).success,
    schema: schemaObject(z.toJSONSchema(field, { unrepresentable: 'any' })),
  }));
}

/**
 * A JSON Schema as an OpenAPI 3.1 Schema Object: without the `$schema` and `$id` zod writes for a
 * standalone document (an `$id` may not carry a fragment, and the document's dialect applies).
 */
function schemaObject(schema: Record<string, unknown>): Record<string, unknown> {
  const { $schema: _dialect, $id: _id, ...rest } = schema;
  return rest;
}

function operationId(method: Method, path: string): string {
  const words = path
    .replace(/^\/api\//, '')
    .split(/[/{}.-]+/)
    .filter(Boolean);
  return [method, ...words]
    .map((w, i) => (i === 0 ? w : w[0]!.toUpperCase() + w.slice(1)))
    .join('');
}

/**
 * A JSON body; a key like `__proto__` or `constructor` is refused wherever it appears (a
 * validator would drop it silently, and the change keyed on it would be lost without a word).
 */
function parseJson(text: string): unknown {
  let reserved: string | undefined;
  let value: unknown;
  try {
    value = JSON.parse(text, (key, item) => {
      if (isReservedName(key)) reserved ??= key;
      return item;
    });
  } catch {
    throw new ApiError('bad_request', 'the body is not valid JSON');
  }
  if (reserved !== undefined) {
    throw new ApiError('bad_request', `'${reserved}' is a reserved name: it cannot be an id`, {
      details: { reserved },
    });
  }
  return value;
}
