/** Building blocks of the generated schemas that zod does not have as such. */
import { z } from "zod";

/** A JSON integer of any size (JSON Schema's `integer`; `z.int()` stops at 2^53 - 1). */
export function integer() {
  return z.number().refine(Number.isInteger, { message: "expected an integer" });
}

/** Any JSON value (JSON Schema's `{}`): present, whatever it is. A required member must be there. */
export function json() {
  return z.custom<unknown>((value) => value !== undefined, { message: "expected a JSON value" });
}
