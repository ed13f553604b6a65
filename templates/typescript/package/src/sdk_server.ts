/**
 * The server side on the official TypeScript SDK (`@modelcontextprotocol/server` 2.x; checked
 * with 2.4.0): `attachTaskServer(server, tasks)` serves the requests of a `TaskServer` (server.ts)
 * on an SDK `Server` or `McpServer`, and declares the extension in its capabilities.
 *
 *     const handler = createMcpHandler(() => {
 *       const mcp = new McpServer({ name: "demo", version: "1.0.0" });
 *       attachTaskServer(mcp, tasks);       // tasks: your TaskServer; before the server connects
 *       mcp.registerTool("deploy", { inputSchema }, async (args, ctx) =>
 *         declaredBy(ctx).has(EXTENSION_ID) ? asToolResult(await tasks.start(args)) : await deployNow(args));
 *       return mcp;
 *     });
 *
 * A tool runs as a task by returning the `CreateTaskResult` (`resultType: "task"`) of a task the
 * `TaskServer` already knows; the SDK passes that `resultType` through on `tools/call`. Only to a
 * request that declared the extension (`declaredBy(ctx)`): any other client gets the tool's result.
 * The SDK types a tool's result as a CallToolResult, whose `content` is required: `asToolResult`
 * gives the CreateTaskResult that type, with the `content: []` the SDK would add anyway (below).
 *
 * This module imports nothing from the SDK (the package's one runtime dependency stays zod): it
 * is typed against the few members it uses (`SdkServer`, `SdkContext`), which the SDK's `Server`
 * and `ServerContext` have. What the SDK does to a request before a handler sees it, and what
 * the adapter does about it:
 *
 * - It lifts the `_meta` envelope (protocol version, client info, client capabilities) out of the
 *   params into `ctx.mcpReq.envelope`, and the multi-round-trip field `inputResponses` (which
 *   `tasks/update` also carries) into `ctx.mcpReq.inputResponses`: the adapter puts both back, so
 *   the dispatcher checks the request as it came. An `inputResponses` entry the SDK dropped as a
 *   wrapped response (`{method, result}`, `ctx.mcpReq.droppedInputResponseKeys`) is -32602.
 * - It validates params with the schema a handler is registered with: the adapter's accepts any
 *   object, so that the dispatcher's zod schemas give the spec's -32602 details.
 * - It answers a method that no handler serves with -32601: the adapter registers only the methods
 *   the `TaskServer` serves (a setting that is off leaves its methods unregistered).
 * - On HTTP (`createMcpHandler`) it checks `Mcp-Name` for `tasks/get`, `tasks/update` and
 *   `tasks/cancel` itself; the dispatcher checks it on every method with a routing field, from
 *   `ctx.http.req`.
 * - On `tools/call` it adds `content: []` to a result that has no `content`, a `CreateTaskResult`
 *   included (its list of result shapes that keep theirs knows the 2025-11-25 `task` member, not
 *   SEP-2663's flat result). The `CreateTaskResult` is an open object, so the member is allowed and
 *   clients ignore it.
 */
import { type Dispatcher, type RequestContext, declaredCapabilities, declaredSettings, roleError } from "./dispatcher.js";
import { JsonRpcError, isObject } from "./jsonrpc.js";
import { CAPABILITY_META_KEY, EVENTS_CAPABILITY, EXTENSION_ID, HANDLERS } from "./spec.js";

/** A Standard Schema (https://standardschema.dev), as the SDK validates params with. */
export interface ParamsSchema {
  readonly "~standard": {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => { readonly value: Record<string, unknown> } | { readonly issues: readonly { readonly message: string }[] };
  };
}

/** What the adapter reads of the SDK's request context (`ServerContext`). */
export interface SdkContext {
  readonly mcpReq: {
    readonly id: string | number;
    /** The `_meta` envelope the SDK lifted out of the params (2026-07-28 requests). */
    readonly envelope?: Readonly<Record<string, unknown>>;
    readonly inputResponses?: Readonly<Record<string, unknown>>;
    readonly droppedInputResponseKeys?: readonly string[];
    /** Sends a notification related to this request (on HTTP, on its own response stream). */
    readonly notify: (notification: { method: string; params?: Record<string, unknown> }) => Promise<void>;
  };
  readonly http?: { readonly req?: { readonly headers: { forEach(callback: (value: string, key: string) => void): void } } };
}

/** What the adapter uses of an SDK `Server` (2.x). */
export interface SdkServer {
  setRequestHandler(
    method: string,
    schemas: { params: ParamsSchema },
    handler: (params: Record<string, unknown>, ctx: SdkContext) => Promise<Record<string, unknown>>,
  ): void;
  registerCapabilities(capabilities: Record<string, unknown>): void;
  getCapabilities(): object;
  /** The client capabilities of the request being served (on 2026-07-28, from its envelope). */
  getClientCapabilities?(): object | undefined;
}

/** Accepts any object: the dispatcher validates params with the spec's schemas. */
const ANY_PARAMS: ParamsSchema = {
  "~standard": {
    version: 1,
    vendor: "taskbind",
    validate: (value) => (isObject(value) ? { value } : { issues: [{ message: "params must be an object" }] }),
  },
};

/** The capabilities a request declares (top-level names and extension ids), from its envelope. */
export function declaredBy(ctx: SdkContext): Set<string> {
  return declaredCapabilities({ _meta: ctx.mcpReq.envelope ?? {} });
}

/**
 * A CreateTaskResult as an SDK tool callback returns it: typed with the `content` member the SDK's
 * CallToolResult requires, empty, as the SDK sends it anyway.
 */
export function asToolResult<R extends { readonly resultType: string }>(created: R): R & { content: [] } {
  return { ...created, content: [] };
}

/** The params of the request as the client sent them: the envelope and `inputResponses` put back. */
export function wireParams(params: Record<string, unknown>, ctx: SdkContext): Record<string, unknown> {
  const wire: Record<string, unknown> = { ...params };
  const { envelope, inputResponses, droppedInputResponseKeys: dropped } = ctx.mcpReq;
  if (envelope !== undefined) wire._meta = { ...(isObject(params._meta) ? params._meta : {}), ...envelope };
  if (dropped !== undefined && dropped.length > 0) {
    const errors = dropped.map((key) => ({ path: `inputResponses/${key}`, message: "a wrapped response, not a bare result" }));
    throw roleError("invalid_params", "Invalid params: inputResponses entries must be bare results", { errors });
  }
  if (inputResponses !== undefined) wire.inputResponses = { ...inputResponses };
  return wire;
}

function headersOf(ctx: SdkContext): Record<string, string> | undefined {
  const headers = ctx.http?.req?.headers;
  if (headers === undefined) return undefined;
  const out: Record<string, string> = {};
  headers.forEach((value, key) => {
    out[key.toLowerCase()] = value;
  });
  return out;
}

export interface AttachOptions {
  /** Log a handler's unexpected failure (default: console.error); the client gets -32603. */
  onError?: (method: string, error: unknown) => void;
}

/**
 * Serve `tasks`' requests on `server` (an SDK `Server`, or an `McpServer`, whose `server` is
 * used) and declare the extension (and, in a build with task event sources, the capability that
 * serves them); call it before the server connects. In `server/discover`, the
 * extension's settings are those the server enables and the request declared (settings are opt-in
 * on both sides: a client that declares none sees `{}`, as the official ext-tasks client expects).
 */
export function attachTaskServer(target: SdkServer | { readonly server: SdkServer }, tasks: Dispatcher, options: AttachOptions = {}): void {
  const server = "server" in target ? target.server : target;
  const onError = options.onError ?? ((method, error) => console.error(`handler for ${method} failed`, error));
  server.registerCapabilities({
    extensions: { [EXTENSION_ID]: {} },
    ...(EVENTS_CAPABILITY !== null && EVENTS_CAPABILITY !== EXTENSION_ID ? { [EVENTS_CAPABILITY]: {} } : {}),
  });
  const advertised = server.getCapabilities.bind(server);
  const clientCapabilities = server.getClientCapabilities?.bind(server);
  // The SDK answers server/discover with getCapabilities(), after reading the request's envelope:
  // the extension's settings follow what this request declared.
  server.getCapabilities = () => {
    const capabilities = advertised() as Record<string, unknown>;
    const declared = declaredSettings({ _meta: { [CAPABILITY_META_KEY]: clientCapabilities?.() } }, EXTENSION_ID);
    const extensions = isObject(capabilities.extensions) ? capabilities.extensions : {};
    return { ...capabilities, extensions: { ...extensions, [EXTENSION_ID]: tasks.settings(declared) } };
  };
  for (const method of Object.keys(HANDLERS)) {
    if (!tasks.serves(method)) continue;
    server.setRequestHandler(method, { params: ANY_PARAMS }, async (params, ctx) => {
      try {
        const wire = wireParams(params, ctx);
        const headers = headersOf(ctx);
        const context: RequestContext = {
          method,
          requestId: ctx.mcpReq.id,
          declared: declaredCapabilities(wire),
          settings: new Set<string>(),
          ...(headers ? { headers } : {}),
          notify: (name, body) => ctx.mcpReq.notify({ method: name, params: body }),
        };
        return await tasks.handle(method, wire, context);
      } catch (error) {
        if (error instanceof JsonRpcError) throw error; // the SDK answers with its code, message, data
        onError(method, error);
        throw roleError("internal_error", "Internal error");
      }
    });
  }
}
