/** Whole JSON-RPC messages: parse any message of the spec with its zod schema, and back. */
import type { z } from "zod";

import { MessageValidationError, isObject } from "./jsonrpc.js";
import { ERROR_RESPONSE, METHODS } from "./spec.js";

export { MessageValidationError };

function issuesOf(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join("/"), message: issue.message }));
}

function validate(schema: z.ZodType, obj: unknown, what: string): Record<string, unknown> {
  const parsed = schema.safeParse(obj);
  if (!parsed.success) {
    const issues = issuesOf(parsed.error);
    const summary = issues
      .slice(0, 5)
      .map((i) => `${i.path || "(message)"}: ${i.message}`)
      .join("; ");
    throw new MessageValidationError(`invalid ${what}: ${summary}`, issues);
  }
  return parsed.data as Record<string, unknown>;
}

/**
 * The validated value of one whole JSON-RPC message.
 *
 * Requests and notifications are recognised by their `method`. A result does not name its method:
 * pass `requestMethod`, the method of the request it answers (an error response parses without).
 * Throws `MessageValidationError` with every problem and its path.
 */
export function parseMessage(obj: unknown, requestMethod?: string): Record<string, unknown> {
  if (!isObject(obj)) {
    throw new MessageValidationError(`a JSON-RPC message is an object, not ${Array.isArray(obj) ? "an array" : typeof obj}`);
  }
  if ("method" in obj) {
    const method = obj.method;
    const info = typeof method === "string" && Object.hasOwn(METHODS, method) ? METHODS[method] : undefined;
    if (info === undefined) throw new MessageValidationError(`unknown method ${JSON.stringify(method)}`);
    const expected = "id" in obj ? "request" : "notification";
    if (info.kind !== expected) {
      throw new MessageValidationError(`${info.name} is a ${info.kind}, but the message is a ${expected}`);
    }
    return validate(info.message, obj, `${info.name} ${info.kind}`);
  }
  if ("error" in obj) return validate(ERROR_RESPONSE, obj, "error response");
  if ("result" in obj) {
    if (requestMethod === undefined) {
      throw new MessageValidationError("a result does not name its method: pass requestMethod");
    }
    const info = Object.hasOwn(METHODS, requestMethod) ? METHODS[requestMethod] : undefined;
    if (info?.response == null) {
      throw new MessageValidationError(`${JSON.stringify(requestMethod)} is not a request of this spec`);
    }
    return validate(info.response, obj, `${requestMethod} result`);
  }
  throw new MessageValidationError("not a JSON-RPC message: no method, result or error");
}

/**
 * The wire JSON of a message: a plain JSON value (members that are `undefined` are absent, `null`
 * stays). `requestMethod` checks it first, as `parseMessage` would.
 */
export function dumpMessage(message: Record<string, unknown>, requestMethod?: string): Record<string, unknown> {
  parseMessage(message, requestMethod);
  return JSON.parse(JSON.stringify(message)) as Record<string, unknown>;
}

/** The validated value of one named type's schema (params, results, tasks ...). */
export function parseValue<T>(schema: z.ZodType, value: unknown, what = "value"): T {
  return validate(schema, value, what) as T;
}
