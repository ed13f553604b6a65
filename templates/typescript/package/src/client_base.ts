/**
 * The client machinery under the generated `TasksClient` (client.ts): the transport, `_meta`
 * stamping, typed errors, and the helpers around a task: `waitUntilTerminal` (polling at the
 * server's `pollIntervalMs`), `watch` (an async iterable of status updates) and `settle` (the
 * finished result, or a typed error). Which methods and statuses it drives comes from `spec.ts`.
 * `httpSend(url)` is a `send` over MCP's streamable HTTP transport.
 */
import { errorFromWire } from "./errors.js";
import { type JsonRpcRequest, type JsonRpcResponse, MessageValidationError, type Send, isObject } from "./jsonrpc.js";
import { isTerminal } from "./lifecycle.js";
import { parseMessage } from "./messages.js";
import { CAPABILITY_META_KEY, METHOD_ROLES, METHODS, PROTOCOL_VERSION, PROTOCOL_VERSION_META_KEY, STATUS_ROLES } from "./spec.js";

/** How long to wait between polls: the server's suggestion, kept within [floorMs, ceilingMs]. */
export interface PollPolicy {
  floorMs: number;
  ceilingMs: number;
  /** When the server suggests nothing. */
  defaultMs: number;
}

export const DEFAULT_POLL: PollPolicy = { floorMs: 50, ceilingMs: 30_000, defaultMs: 1_000 };

/** The least a task state has: what the client's helpers read. */
export interface TaskLike {
  taskId: string;
  status: string;
  pollIntervalMs?: number;
  [key: string]: unknown;
}

/** `onInput(key, request, task)` answers one input request (or returns undefined to leave it). */
export type OnInput<Task> = (key: string, request: unknown, task: Task) => unknown;

export interface WaitOptions<Task> {
  onInput?: OnInput<Task>;
  /** Give up (TaskTimeoutError) after this long; default: never. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface ClientOptions {
  /** The client capabilities declared on every request (default: this build's). */
  capabilities?: Record<string, unknown>;
  protocolVersion?: string;
  poll?: PollPolicy;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Thrown by `settle` for a task that ended failed: `error` is the task's JSON-RPC error. */
export class TaskFailedError<Task = TaskLike> extends Error {
  readonly task: Task;
  readonly error: unknown;
  constructor(task: Task, error: unknown) {
    const detail = isObject(error) && typeof error.message === "string" ? `: ${error.message}` : "";
    super(`task ${(task as TaskLike).taskId} failed${detail}`);
    this.name = "TaskFailedError";
    this.task = task;
    this.error = error;
  }
}

/** Thrown by `settle` for a task that ended cancelled. */
export class TaskCancelledError<Task = TaskLike> extends Error {
  readonly task: Task;
  constructor(task: Task) {
    super(`task ${(task as TaskLike).taskId} was cancelled`);
    this.name = "TaskCancelledError";
    this.task = task;
  }
}

/** The task did not reach a terminal status in time. */
export class TaskTimeoutError extends Error {
  constructor(taskId: string, timeoutMs: number) {
    super(`task ${taskId} is not terminal after ${timeoutMs} ms`);
    this.name = "TaskTimeoutError";
  }
}

/** The task needs input and nothing answered it. */
export class TaskInputRequiredError<Task = TaskLike> extends Error {
  readonly task: Task;
  constructor(task: Task) {
    super(`task ${(task as TaskLike).taskId} needs input and no onInput answered it`);
    this.name = "TaskInputRequiredError";
    this.task = task;
  }
}

export interface HttpSendOptions {
  /** More headers on every request (authorization, ...). */
  headers?: Record<string, string>;
  /** Notifications the server sends on a request's event stream (status notifications, ...). */
  onNotification?: (notification: Record<string, unknown>) => void;
  fetch?: typeof fetch;
}

/** A routing header's value (SEP-2243): verbatim, or UTF-8 inside the `=?base64?...?=` sentinel. */
export function encodeHeader(value: string): string {
  const plain = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/.test(value) && !value.startsWith("=?base64?");
  return plain ? value : `=?base64?${Buffer.from(value, "utf-8").toString("base64")}?=`;
}

/** The JSON-RPC messages of a server-sent event stream, in order. */
function eventStreamMessages(text: string): unknown[] {
  const messages: unknown[] = [];
  for (const event of text.split(/\r?\n\r?\n/)) {
    const data = event
      .split(/\r?\n/)
      .filter((line) => line.startsWith("data:"))
      .map((line) => line.slice(5).replace(/^ /, ""));
    if (data.length === 0) continue;
    try {
      messages.push(JSON.parse(data.join("\n")));
    } catch {
      // not JSON: not a message of this protocol
    }
  }
  return messages;
}

/**
 * A `Send` over MCP's streamable HTTP transport (one POST per request, as on 2026-07-28): each
 * request carries the headers SEP-2243 asks of a client (`MCP-Protocol-Version`, `Mcp-Method`, and
 * `Mcp-Name` mirroring the method's routing field: `taskId` on tasks/*, `name` on tools/call), and
 * the response is read as JSON or as an event stream, whose notifications go to `onNotification`.
 */
export function httpSend(url: string | URL, options: HttpSendOptions = {}): Send {
  const post = options.fetch ?? fetch;
  return async (request) => {
    const params = request.params ?? {};
    const meta = isObject(params._meta) ? params._meta : {};
    const version = meta[PROTOCOL_VERSION_META_KEY];
    const headers: Record<string, string> = {
      ...options.headers,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": typeof version === "string" ? version : PROTOCOL_VERSION,
      "mcp-method": request.method,
    };
    const field = Object.hasOwn(METHODS, request.method) ? (METHODS[request.method]?.routingField ?? null) : null;
    const routed = field === null ? undefined : params[field];
    if (typeof routed === "string") headers["mcp-name"] = encodeHeader(routed);
    const response = await post(url, { method: "POST", headers, body: JSON.stringify(request) });
    const text = await response.text();
    const streamed = (response.headers.get("content-type") ?? "").includes("text/event-stream");
    let messages: unknown[] = [];
    if (streamed) messages = eventStreamMessages(text);
    else {
      try {
        messages = [JSON.parse(text)];
      } catch {
        messages = [];
      }
    }
    let answer: JsonRpcResponse | undefined;
    for (const message of messages) {
      if (!isObject(message)) continue;
      if ("method" in message && !("id" in message)) options.onNotification?.(message);
      else if (message.id === request.id && ("result" in message || "error" in message)) answer = message as unknown as JsonRpcResponse;
      // An error the server could not tie to the request (its id unread) answers it too.
      else if (message.id === null && "error" in message) answer ??= message as unknown as JsonRpcResponse;
    }
    if (answer === undefined) {
      throw new MessageValidationError(`${request.method}: HTTP ${response.status} carried no response to request ${request.id}`);
    }
    return answer;
  };
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function role(name: string): string {
  const method = METHOD_ROLES[name];
  if (method === undefined) throw new Error(`this build has no ${name} method`);
  return method;
}

export class BaseClient<Task extends TaskLike = TaskLike> {
  readonly poll: PollPolicy;
  private readonly send: Send;
  private readonly meta: Record<string, unknown>;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private nextId = 1;
  /** Input keys already answered, per task: keys are never reused over a task's life. */
  private readonly answered = new Map<string, Set<string>>();

  constructor(send: Send, defaultCapabilities: Record<string, unknown>, options: ClientOptions = {}) {
    this.send = send;
    this.meta = {
      [PROTOCOL_VERSION_META_KEY]: options.protocolVersion ?? PROTOCOL_VERSION,
      [CAPABILITY_META_KEY]: structuredClone(options.capabilities ?? defaultCapabilities),
    };
    this.poll = options.poll ?? DEFAULT_POLL;
    this.sleep = options.sleep ?? defaultSleep;
  }

  /** Any request, unvalidated (methods outside this spec too): the result's wire JSON. */
  async request(method: string, params: Record<string, unknown> = {}, meta: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const message = this.message(method, params, meta);
    return this.resultOf(message, await this.send(message));
  }

  /** A request of this spec: validated before sending, and the result after. */
  protected async call<R>(method: string, params: object, meta: Record<string, unknown> = {}): Promise<R> {
    const message = this.message(method, params as Record<string, unknown>, meta);
    parseMessage(message); // a caller's mistake fails here, not on the server
    const response = await this.send(message);
    this.resultOf(message, response);
    return parseMessage(response, method).result as R;
  }

  private message(method: string, params: Record<string, unknown>, meta: Record<string, unknown>): JsonRpcRequest {
    const given = isObject(params._meta) ? params._meta : {};
    return {
      jsonrpc: "2.0",
      id: this.nextId++,
      method,
      params: { ...params, _meta: { ...this.meta, ...given, ...meta } },
    };
  }

  private resultOf(message: JsonRpcRequest, response: JsonRpcResponse): Record<string, unknown> {
    if (!isObject(response)) {
      throw new MessageValidationError(`${message.method}: the transport returned ${typeof response}, not a response`);
    }
    if (response.error !== undefined) throw errorFromWire(response.error);
    if (response.id !== message.id) {
      throw new MessageValidationError(`${message.method}: response id ${JSON.stringify(response.id)} is not request id ${message.id}`);
    }
    if (!isObject(response.result)) throw new MessageValidationError(`${message.method}: the response has no result`);
    return response.result;
  }

  /** The task as `tasks/get` (the get-task role) returns it. */
  async getTaskState(taskId: string): Promise<Task> {
    return this.call<Task>(role("get_task"), { taskId });
  }

  /** Milliseconds until the next poll of `task`: its `pollIntervalMs`, within the poll policy. */
  pollDelay(task: { pollIntervalMs?: number }): number {
    const suggested = typeof task.pollIntervalMs === "number" ? task.pollIntervalMs : this.poll.defaultMs;
    return Math.min(Math.max(suggested, this.poll.floorMs), this.poll.ceilingMs);
  }

  /** Answer the input requests of `task` that `onInput` has answers for (each key once). */
  private async answerInput(task: Task, onInput: OnInput<Task>): Promise<boolean> {
    const requests = isObject(task.inputRequests) ? task.inputRequests : {};
    const done = this.answered.get(task.taskId) ?? new Set<string>();
    this.answered.set(task.taskId, done);
    const responses: Record<string, unknown> = {};
    for (const [key, request] of Object.entries(requests)) {
      if (done.has(key)) continue;
      const answer = await onInput(key, request, task);
      if (answer !== undefined) responses[key] = answer;
    }
    if (Object.keys(responses).length === 0) return false;
    await this.call(role("update_task"), { taskId: task.taskId, inputResponses: responses });
    for (const key of Object.keys(responses)) done.add(key);
    return true;
  }

  /**
   * Status updates of a task, as an async iterable: the task each time its status (or status
   * message) changes, ending with its terminal state. Polls at the server's `pollIntervalMs`;
   * answers input requests through `onInput` when given.
   */
  async *watch(taskId: string, options: WaitOptions<Task> = {}): AsyncGenerator<Task, void, undefined> {
    const started = Date.now();
    let last: string | undefined;
    for (;;) {
      options.signal?.throwIfAborted();
      const task = await this.getTaskState(taskId);
      const seen = `${task.status}\u0000${String(task.statusMessage ?? "")}`;
      if (seen !== last) {
        last = seen;
        yield task;
      }
      if (isTerminal(task.status)) {
        this.answered.delete(taskId);
        return;
      }
      if (task.status === STATUS_ROLES.input_required_status && options.onInput) {
        if (await this.answerInput(task, options.onInput)) continue; // look again right away
      }
      if (options.timeoutMs !== undefined && Date.now() - started >= options.timeoutMs) {
        throw new TaskTimeoutError(taskId, options.timeoutMs);
      }
      await this.sleep(this.pollDelay(task), options.signal);
    }
  }

  /** Poll until the task is terminal (answering input through `onInput`); its final state. */
  async waitUntilTerminal(taskId: string, options: WaitOptions<Task> = {}): Promise<Task> {
    let final: Task | undefined;
    for await (const task of this.watch(taskId, options)) final = task;
    if (final === undefined) throw new Error(`task ${taskId}: no state`);
    return final;
  }

  /**
   * Wait for the task and return its finished result; throw TaskFailedError, TaskCancelledError,
   * or TaskInputRequiredError when it needs input and no `onInput` is given.
   */
  async settle(taskId: string, options: WaitOptions<Task> = {}): Promise<Record<string, unknown>> {
    let final: Task | undefined;
    for await (const task of this.watch(taskId, options)) {
      final = task;
      if (task.status === STATUS_ROLES.input_required_status && options.onInput === undefined) {
        throw new TaskInputRequiredError(task);
      }
    }
    if (final === undefined) throw new Error(`task ${taskId}: no state`);
    if (final.status === STATUS_ROLES.completed_status) return (final.result ?? {}) as Record<string, unknown>;
    if (final.status === STATUS_ROLES.failed_status) throw new TaskFailedError(final, final.error);
    throw new TaskCancelledError(final);
  }

  /** Whether this build has `method` (the generated methods check before sending). */
  static has(method: string): boolean {
    return Object.hasOwn(METHODS, method);
  }
}
