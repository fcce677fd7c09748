import * as z from "zod/mini";

// zod/mini: the same schemas as classic zod at a fraction of the bundle (the directory's first load
// has a 200 KB budget). Search params are user-editable text, so anything malformed falls back to
// "no filter" rather than an error page.
export const customersSearchSchema = z.object({
  q: z.catch(z.optional(z.string().check(z.trim(), z.maxLength(200))), undefined),
});
export type CustomersSearch = z.infer<typeof customersSearchSchema>;

/** The customer page keeps the directory search it came from, so "Back to customers" restores it. */
export const customerSearchSchema = customersSearchSchema;

export const PAGE_SIZE = 50;
