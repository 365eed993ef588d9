/**
 * People and roles: viewers look; editors comment, change and pick; producers also spend
 * (start paid runs, change the budget). `shotrouter users`, the server and the MCP tools share
 * these shapes.
 */
import { z } from 'zod';
import { ID_PATTERN, isReservedName } from '../util/reserved-names.ts';

export const ROLES = ['viewer', 'editor', 'producer'] as const;
export const RoleSchema = z.enum(ROLES);
export type Role = z.output<typeof RoleSchema>;

export const UserNameSchema = z
  .string()
  .regex(ID_PATTERN, "letters, digits, '-' and '_' (at most 128)")
  .refine((name) => !isReservedName(name), { message: 'is a reserved name' });

export const AddUserInputSchema = z.strictObject({ name: UserNameSchema, role: RoleSchema });
export type AddUserInput = z.input<typeof AddUserInputSchema>;

export const UserSchema = z.object({
  name: z.string(),
  role: RoleSchema,
  created_at: z.string(),
  created_by: z.string().nullable().describe('who added them (null: the command line)'),
});
export type User = z.output<typeof UserSchema>;

/** Whether `role` may do what `needed` may (producer ⊃ editor ⊃ viewer). */
export function roleAllows(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}
