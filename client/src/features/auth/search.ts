import * as z from "zod/mini";

export const signInSearchSchema = z.object({
  redirect: z.catch(z.optional(z.string()), undefined),
});
export type SignInSearch = z.infer<typeof signInSearchSchema>;
