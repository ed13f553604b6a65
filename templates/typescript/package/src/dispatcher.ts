/**
 * The dispatcher: turns a raw JSON-RPC message into its response, with the spec's error codes.
 *
 * `Dispatcher` is the machinery under the generated `TaskServer` (server.ts), which declares one
 * handler per request of the spec. Before a handler runs, the dispatcher has checked the envelope,
 * the routing header, the client's capability declaration, the params (parsed with the spec's zod
 * schema) and, for methods the lifecycle governs, that the task exists and its status accepts the
 * method. The same checks, in the same order, with the same codes as the Python dispatcher.
 */
import { ERROR_CLASSES, JsonRpcError } from "./errors.js";
import { type JsonRpcId, type JsonRpcResponse, isObject } from "./jsonrpc.js";
import { checkRequest } from "./lifecycle.js";
import {
  CAPABILITY_META_KEY,
  ERROR_CODES,
  GOVERNED_METHODS,
  HANDLERS,
  METHODS,
  MISSING_CAPABILITY_CODE,
  REMOVED_METHODS,
  REQUIRED_CAPABILITIES,
} from "./spec.js";

/** The routing header that mirrors a request's routing field (lower case, as HTTP headers come). */
export const NAME_HEADER = "mcp-name";

export type Notify = (method: string, params: Record<string, unknown>) => Promise<void>;

/** What a handler knows about the request besides its params. */
export interface RequestContext {
  readonly method: string;
  readonly requestId: JsonRpcId | null;
  /** Capabilities the client declared on this request: top-level names and extension ids. */
  readonly declared: ReadonlySet<string>;
  /**
   * The settings of the method's capability that the client declared true on this request
   * (settings are opt-in on both sides: `{"<setting>": true}`); filled in by `Dispatcher.handle`.
   */
  readonly settings: ReadonlySet<string>;
  /** HTTP headers with lower-case names; undefined off HTTP. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Sends a notification that belongs to this request. */
  readonly notify?: Notify;
}

/** The error of an error role, as its class in errors.ts. */
export function roleError(role: string, message: string, data?: unknown): JsonRpcError {
  const code = ERROR_CODES[role] ?? -32603;
  const cls = ERROR_CLASSES[code];
  return cls ? new cls(message, data) : new JsonRpcError(code, message, data);
}

/** The error for a taskId the server does not know (or no longer knows): invalid params. */
export function taskNotFound(taskId: string, expired = false): JsonRpcError {
  const reason = expired ? "Task has expired" : "Task not found";
  return roleError("invalid_params", `Failed to retrieve task: ${reason}`, { taskId });
}

export function declaredCapabilities(params: unknown): Set<string> {
  const meta = isObject(params) ? params._meta : undefined;
  const capabilities = isObject(meta) ? meta[CAPABILITY_META_KEY] : undefined;
  const names = new Set<string>();
  if (!isObject(capabilities)) return names;
  for (const name of Object.keys(capabilities)) if (name !== "extensions") names.add(name);
  const extensions = capabilities.extensions;
  if (isObject(extensions)) for (const name of Object.keys(extensions)) names.add(name);
  return names;
}

/**
 * The settings of `capability` that a request declares `true` in `params._meta`. An extension's
 * settings sit in `extensions[<id>]`, a top-level capability's in `[<name>]`.
 */
export function declaredSettings(params: unknown, capability: string): Set<string> {
  const meta = isObject(params) ? params._meta : undefined;
  const capabilities = isObject(meta) ? meta[CAPABILITY_META_KEY] : undefined;
  const names = new Set<string>();
  if (!isObject(capabilities)) return names;
  const extensions = capabilities.extensions;
  const settings =
    isObject(extensions) && Object.hasOwn(extensions, capability) ? extensions[capability] : capabilities[capability];
  if (!isObject(settings)) return names;
  for (const [name, value] of Object.entries(settings)) if (value === true) names.add(name);
  return names;
}

/** A routing header's value: verbatim, or UTF-8 inside the `=?base64?...?=` sentinel. */
export function decodeHeader(value: string | undefined): string | undefined {
  if (value === undefined || !(value.startsWith("=?base64?") && value.endsWith("?="))) return value;
  const body = value.slice(9, -2);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body) || body.length % 4 !== 0) return undefined;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Buffer.from(body, "base64"));
  } catch {
    return undefined;
  }
}

export function errorResponse(id: JsonRpcId | null, error: JsonRpcError): JsonRpcResponse {
  return { jsonrpc: "2.0", id, error: error.toError() };
}

type Handler = (params: unknown, context: RequestContext) => Promise<Record<string, unknown>>;

function validId(id: unknown): id is JsonRpcId {
  return typeof id === "string" || (typeof id === "number" && Number.isInteger(id));
}

/**
 * Answers one raw JSON-RPC request by calling the handler `HANDLERS` names for it. A handler
 * returns the result (wire JSON) or throws a `JsonRpcError`; anything else it throws is answered
 * with -32603 and the server keeps serving.
 */
export abstract class Dispatcher {
  /**
   * Capability settings this server turns on (`SETTINGS` lists this build's); the methods a
   * setting gates answer -32601 while it is off, and for a client that did not declare it.
   */
  enabledSettings: ReadonlySet<string> = new Set();

  /**
   * Accept a request whose `Mcp-Name` header is missing (a wrong one is still -32020). Off by
   * default, as SEP-2243 requires; on for peers that never send it (see the spec's `decision` on
   * the header-mismatch error).
   */
  acceptMissingNameHeader = false;

  /**
   * The settings object advertised for the extension in `server/discover`: every enabled
   * setting, or (given what the client declared on that request) only those it declared too.
   */
  settings(declared?: ReadonlySet<string>): Record<string, boolean> {
    const names = [...this.enabledSettings].filter((name) => declared === undefined || declared.has(name));
    return Object.fromEntries(names.sort().map((name) => [name, true]));
  }

  /** Whether this server answers `method`: it has a handler and the method's setting is on. */
  serves(method: string): boolean {
    if (!Object.hasOwn(HANDLERS, method)) return false;
    const setting = METHODS[method]?.setting ?? null;
    return setting === null || this.enabledSettings.has(setting);
  }

  /** The task's current status, or undefined when it is unknown or expired. */
  abstract taskStatus(taskId: string): Promise<string | undefined>;

  /** Remove what the spec tells a server to ignore before the params are validated (default: nothing). */
  dropIgnored(_method: string, params: Record<string, unknown>): Record<string, unknown> {
    return params;
  }

  /** The response to one raw JSON-RPC message; null for a notification or a response. */
  async dispatch(
    raw: string | unknown,
    options: { headers?: Record<string, string>; notify?: Notify } = {},
  ): Promise<JsonRpcResponse | null> {
    let message: unknown = raw;
    if (typeof raw === "string") {
      try {
        message = JSON.parse(raw);
      } catch {
        return errorResponse(null, roleError("parse_error", "Parse error: the message is not JSON"));
      }
    }
    if (!isObject(message)) {
      return errorResponse(null, roleError("invalid_request", "A JSON-RPC request is a JSON object"));
    }
    const id = message.id;
    if (!("method" in message) && validId(id) && ("result" in message || "error" in message)) {
      return null; // a response to a request this server sent: nothing to answer
    }
    const method = message.method;
    const params = "params" in message ? message.params : {};
    let problem: string | null = null;
    if (message.jsonrpc !== "2.0") problem = 'jsonrpc must be "2.0"';
    else if (typeof method !== "string") problem = "method must be a string";
    else if ("id" in message && !validId(id)) problem = "id must be a string or an integer";
    else if (!isObject(params)) problem = "params must be an object";
    if (problem !== null || typeof method !== "string" || !isObject(params)) {
      return errorResponse(validId(id) ? id : null, roleError("invalid_request", `Invalid Request: ${problem}`));
    }
    if (!("id" in message) || !validId(id)) return null; // a notification: never answered
    const headers = options.headers
      ? Object.fromEntries(Object.entries(options.headers).map(([k, v]) => [k.toLowerCase(), v]))
      : undefined;
    const context: RequestContext = {
      method,
      requestId: id,
      declared: declaredCapabilities(params),
      settings: new Set<string>(),
      ...(headers ? { headers } : {}),
      ...(options.notify ? { notify: options.notify } : {}),
    };
    try {
      const result = await this.handle(method, { ...params }, context);
      return { jsonrpc: "2.0", id, result };
    } catch (error) {
      if (error instanceof JsonRpcError) return errorResponse(id, error);
      console.error(`handler for ${method} failed`, error);
      return errorResponse(id, roleError("internal_error", "Internal error"));
    }
  }

  /**
   * Everything after the envelope, for one request: the checks, then the handler. Returns the
   * result (wire JSON) or throws a `JsonRpcError`; SDK adapters (sdk_server.ts) call this directly.
   */
  async handle(method: string, params: Record<string, unknown>, context: RequestContext): Promise<Record<string, unknown>> {
    if (Object.hasOwn(REMOVED_METHODS, method)) {
      const code = REMOVED_METHODS[method] ?? -32601;
      const cls = ERROR_CLASSES[code];
      const text = `${method} was removed from the protocol`;
      throw cls ? new cls(text) : new JsonRpcError(code, text);
    }
    const handlerName = Object.hasOwn(HANDLERS, method) ? HANDLERS[method] : undefined;
    const info = Object.hasOwn(METHODS, method) ? METHODS[method] : undefined;
    if (handlerName === undefined || info === undefined) {
      throw roleError("method_not_found", `Method not found: ${method}`);
    }
    if (!this.serves(method)) {
      throw roleError("method_not_found", `${method} is not enabled on this server (setting ${JSON.stringify(info.setting)})`);
    }
    if (context.headers !== undefined && info.routingField !== null) {
      this.checkNameHeader(params[info.routingField], info.routingField, context);
    }
    if (info.capability !== null && !context.declared.has(info.capability)) {
      const code = MISSING_CAPABILITY_CODE ?? -32600;
      const cls = ERROR_CLASSES[code];
      const text = `The request does not declare the ${JSON.stringify(info.capability)} capability`;
      const data = { requiredCapabilities: REQUIRED_CAPABILITIES[info.capability] };
      throw cls ? new cls(text, data) : new JsonRpcError(code, text, data);
    }
    if (info.capability !== null) context = { ...context, settings: declaredSettings(params, info.capability) };
    if (info.setting !== null && !context.settings.has(info.setting)) {
      // A setting is opt-in on both sides: to a client that did not declare it on this request,
      // the server behaves as one without it.
      throw roleError(
        "method_not_found",
        `${method} needs the ${JSON.stringify(info.setting)} setting of ${JSON.stringify(info.capability)}, ` +
          "which this request's client capabilities do not declare",
      );
    }
    const parsed = this.validateParams(method, this.dropIgnored(method, params));
    if (GOVERNED_METHODS.includes(method) && info.routingField !== null) {
      // The routing field of a lifecycle-governed method is the id of the task it acts on.
      const taskId = String(params[info.routingField]);
      const status = await this.taskStatus(taskId);
      if (status === undefined) throw taskNotFound(taskId);
      checkRequest(status, method);
    }
    const handler = (this as unknown as Record<string, Handler | undefined>)[handlerName];
    if (typeof handler !== "function") throw roleError("method_not_found", `Method not found: ${method}`);
    return this.checkedResult(method, await handler.call(this, parsed, context));
  }

  /** -32020 when the `Mcp-Name` header is missing or differs from the body's routing field. */
  checkNameHeader(expected: unknown, routingField: string, context: RequestContext): void {
    if (typeof expected !== "string" || context.headers === undefined) return; // params validation refuses it
    const raw = context.headers[NAME_HEADER];
    if (raw === undefined) {
      if (this.acceptMissingNameHeader) return;
      throw roleError(
        "header_mismatch",
        `Mcp-Name header is missing: it must carry the request body's ${JSON.stringify(routingField)} parameter`,
      );
    }
    if (decodeHeader(raw) !== expected) {
      throw roleError(
        "header_mismatch",
        `Mcp-Name header does not match the request body's ${JSON.stringify(routingField)} parameter`,
      );
    }
  }

  /** `params` parsed with the method's schema; invalid params with every problem otherwise. */
  validateParams(method: string, params: Record<string, unknown>): unknown {
    const schema = METHODS[method]?.params ?? null;
    if (schema === null) return params;
    const parsed = schema.safeParse(params);
    if (parsed.success) return parsed.data;
    const errors = parsed.error.issues.map((i) => ({ path: i.path.map(String).join("/"), message: i.message }));
    throw roleError("invalid_params", `Invalid params for ${method}`, { errors });
  }

  /** The handler's result, validated: a malformed result is the server's bug (internal error). */
  checkedResult(method: string, result: Record<string, unknown>): Record<string, unknown> {
    const wire = JSON.parse(JSON.stringify(result)) as Record<string, unknown>;
    const schema = METHODS[method]?.result ?? null;
    if (schema !== null && !schema.safeParse(wire).success) {
      console.error(`handler for ${method} returned an invalid result`, schema.safeParse(wire).error?.issues);
      throw roleError("internal_error", "The handler returned an invalid result");
    }
    return wire;
  }
}
