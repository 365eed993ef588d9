/**
 * The contracts: one zod definition each for the plan, its rejection reasons and warnings, and
 * the errors. Types are inferred from them; the OpenAPI document (server/openapi.ts) and
 * docs/plan-fields.md (`npm run docs:contracts`) are generated from them. Pure: imports only zod,
 * the library's error table (../errors.ts) and the catalog's constants.
 */
export * from './errors.ts';
export * from './format.ts';
export * from './package.ts';
export * from './plan.ts';
export * from './reasons.ts';
export * from './review.ts';
export * from './status.ts';
export * from './users.ts';
