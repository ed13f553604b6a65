// A small MCP server whose tasks are served by the generated TypeScript skeleton: a `TaskServer`
// subclass (the handlers: a task store in memory), put on the official SDK
// (@modelcontextprotocol/server 2.4.0, `McpServer` + `createMcpHandler`) by the generated adapter
// (`mcp-tasks/sdk-server`), served over streamable HTTP on 127.0.0.1. Every tasks/* request goes
// through the generated dispatcher (envelope, Mcp-Name, capability, settings, params, lifecycle
// guard); every status change through the generated lifecycle table (`checkTransition`).
//
//     node sdk_task_server.js [--poll-interval-ms N] [--log FILE]
//
// prints its URL (http://127.0.0.1:PORT/mcp) as the first line of stdout. `--log` appends one JSON
// line per tasks/* request ({"t": ms, "method", "taskId"}), which the tests read to check that
// the client polls at the suggested interval.
//
// Tools: the conformance fixtures that the Python reference server (examples/reference_server.py)
// also has, so the same client scenarios run against both:
//   greet(name)                 plain tool, never a task
//   slow_compute(seconds, label) task: waits, then returns; cancellable
//   failing_job()               task: a tool error, so the task ends completed + isError
//   protocol_error_job()        task: a JSON-RPC error, so the task ends failed + error
//   confirm_delete(filename)    task: one elicitation inputRequest, then completes
//   multi_input()               task: two inputRequests outstanding at once
// and the setting `steer` is on (steer messages are queued; slow_compute reports them).
import { appendFileSync } from "node:fs";
import { createServer } from "node:http";

import { McpServer, createMcpHandler } from "@modelcontextprotocol/server";
import {
  EXTENSION_ID,
  type CancelTaskRequestParams,
  type CancelTaskResult,
  type CreateTaskResult,
  type GetTaskRequestParams,
  type GetTaskResult,
  type ListEventsResult,
  type PollEventsResult,
  type RequestContext,
  type StreamEventsResult,
  type TaskSteerRequestParams,
  type TaskSteerResult,
  TaskServer,
  type UpdateTaskRequestParams,
  type UpdateTaskResult,
  checkTransition,
  isTerminal,
  roleError,
} from "mcp-tasks";
import { asToolResult, attachTaskServer, declaredBy } from "mcp-tasks/sdk-server";
import * as z from "zod";

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
};
const POLL_INTERVAL_MS = Number(option("--poll-interval-ms") ?? 200);
const LOG = option("--log");

type ToolResult = { resultType: "complete"; content: { type: "text"; text: string }[]; isError?: boolean };
type JsonObject = Record<string, unknown>;

/** What a task body sees of its task. */
interface RunningTask {
  readonly signal: AbortSignal;
  /** Ask the client through a form elicitation; resolves with its ElicitResult. */
  elicit(message: string, requestedSchema: JsonObject): Promise<JsonObject>;
  /** Steer messages received so far (and not yet taken), oldest first. */
  takeSteers(): string[];
}

/** A task body's way to end the task `failed` with this JSON-RPC error. */
class TaskError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

interface TaskRecord {
  taskId: string;
  status: string;
  createdAt: string;
  lastUpdatedAt: string;
  result?: ToolResult;
  error?: { code: number; message: string; data?: unknown };
  inputRequests: Record<string, JsonObject>;
  waiting: Map<string, (answer: JsonObject) => void>;
  steers: string[];
  abort: AbortController;
}

const now = (): string => new Date().toISOString();

class FixtureTasks extends TaskServer {
  private readonly records = new Map<string, TaskRecord>();
  private nextId = 0;
  private nextKey = 0;

  constructor() {
    super();
    this.enabledSettings = new Set(["steer"]);
  }

  override async handle(method: string, params: JsonObject, context: RequestContext): Promise<JsonObject> {
    if (LOG !== undefined) appendFileSync(LOG, JSON.stringify({ t: Date.now(), method, taskId: params.taskId }) + "\n");
    return super.handle(method, params, context);
  }

  async taskStatus(taskId: string): Promise<string | undefined> {
    return this.records.get(taskId)?.status;
  }

  /** A status change, refused unless the lifecycle lists it (a bug here is never sent). */
  private move(record: TaskRecord, to: string, trigger: string): void {
    checkTransition(record.status, to, trigger);
    record.status = to;
    record.lastUpdatedAt = now();
  }

  private view(record: TaskRecord): JsonObject {
    return {
      resultType: "complete",
      taskId: record.taskId,
      status: record.status,
      createdAt: record.createdAt,
      lastUpdatedAt: record.lastUpdatedAt,
      ttlMs: null,
      pollIntervalMs: POLL_INTERVAL_MS,
    };
  }

  /** Create a task running `body` in the background; its CreateTaskResult. */
  start(body: (task: RunningTask) => Promise<ToolResult>): CreateTaskResult {
    const taskId = `task-${++this.nextId}-${Math.random().toString(36).slice(2, 10)}`;
    const record: TaskRecord = {
      taskId, status: "working", createdAt: now(), lastUpdatedAt: now(),
      inputRequests: {}, waiting: new Map(), steers: [], abort: new AbortController(),
    }; // prettier-ignore
    this.records.set(taskId, record);
    const running: RunningTask = {
      signal: record.abort.signal,
      elicit: (message, requestedSchema) => this.ask(record, message, requestedSchema),
      takeSteers: () => record.steers.splice(0),
    };
    void body(running).then(
      (result) => {
        if (!isTerminal(record.status)) {
          record.result = result;
          this.move(record, "completed", "server");
        }
      },
      (error: unknown) => {
        if (isTerminal(record.status)) return;
        record.error =
          error instanceof TaskError
            ? { code: error.code, message: error.message, ...(error.data === undefined ? {} : { data: error.data }) }
            : { code: -32603, message: "Internal error" };
        this.move(record, "failed", "server");
      },
    );
    return { ...this.view(record), resultType: "task" } as CreateTaskResult;
  }

  private ask(record: TaskRecord, message: string, requestedSchema: JsonObject): Promise<JsonObject> {
    const key = `input-${++this.nextKey}`;
    record.inputRequests[key] = { method: "elicitation/create", params: { mode: "form", message, requestedSchema } };
    if (record.status === "working") this.move(record, "input_required", "server");
    return new Promise((resolve) => record.waiting.set(key, resolve));
  }

  async getTask({ taskId }: GetTaskRequestParams): Promise<GetTaskResult> {
    const record = this.records.get(taskId);
    if (record === undefined) throw roleError("invalid_params", "Failed to retrieve task: Task not found", { taskId });
    const task = this.view(record);
    if (record.status === "input_required") task.inputRequests = record.inputRequests;
    if (record.status === "completed") task.result = record.result;
    if (record.status === "failed") task.error = record.error;
    return task as GetTaskResult;
  }

  async updateTask({ taskId, inputResponses }: UpdateTaskRequestParams): Promise<UpdateTaskResult> {
    const record = this.records.get(taskId);
    if (record !== undefined && !isTerminal(record.status)) {
      for (const [key, answer] of Object.entries(inputResponses)) {
        const resolve = record.waiting.get(key);
        if (resolve === undefined) continue; // not outstanding: ignored, as the spec says
        record.waiting.delete(key);
        delete record.inputRequests[key];
        resolve(answer as JsonObject);
      }
      if (record.status === "input_required" && record.waiting.size === 0) this.move(record, "working", "tasks/update");
    }
    return { resultType: "complete" };
  }

  async cancelTask({ taskId }: CancelTaskRequestParams): Promise<CancelTaskResult> {
    const record = this.records.get(taskId);
    if (record !== undefined && !isTerminal(record.status)) {
      this.move(record, "cancelled", "tasks/cancel");
      record.abort.abort();
    }
    return { resultType: "complete" };
  }

  override async steerTask({ taskId, message }: TaskSteerRequestParams): Promise<TaskSteerResult> {
    this.records.get(taskId)?.steers.push(message);
    return { resultType: "complete" };
  }

  // This server announces no event sources: an empty list, and no subscription to open.
  async listEvents(): Promise<ListEventsResult> {
    return { resultType: "complete", events: [] };
  }
  async pollEvents(): Promise<PollEventsResult> {
    throw roleError("method_not_found", "This server has no event sources");
  }
  async streamEvents(): Promise<StreamEventsResult> {
    throw roleError("method_not_found", "This server has no event sources");
  }
}

const tasks = new FixtureTasks();

const text = (value: string, isError = false): ToolResult => ({
  resultType: "complete",
  content: [{ type: "text", text: value }],
  ...(isError ? { isError } : {}),
});

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(new Error("cancelled"));
    });
  });

const CONFIRM = { type: "object", properties: { confirm: { type: "boolean" } }, required: ["confirm"] };
const USER_NAME = { type: "object", properties: { name: { type: "string" } }, required: ["name"] };

/** A tool that runs `body` as a task for a request that declared the extension, inline otherwise. */
function taskTool(ctx: Parameters<typeof declaredBy>[0], body: (task: RunningTask | null) => Promise<ToolResult>) {
  if (!declaredBy(ctx).has(EXTENSION_ID)) return body(null);
  return Promise.resolve(asToolResult(tasks.start(body)));
}

function build(): McpServer {
  const mcp = new McpServer({ name: "taskbind-ts-fixture", version: "1.0.0" });
  attachTaskServer(mcp, tasks);
  mcp.registerTool("greet", { inputSchema: { name: z.string() } }, async ({ name }) => text(`Hello, ${name}!`));
  mcp.registerTool(
    "slow_compute",
    { inputSchema: { seconds: z.number().default(1), label: z.string().default("") } },
    async ({ seconds, label }, ctx) =>
      taskTool(ctx, async (task) => {
        await sleep(seconds * 1000, task?.signal);
        const steers = task?.takeSteers() ?? [];
        const heard = steers.length > 0 ? ` (steers: ${steers.join(" | ")})` : "";
        return text(`computed ${label || "result"} after ${seconds}s${heard}`);
      }),
  );
  mcp.registerTool("failing_job", {}, async (ctx) =>
    taskTool(ctx, async (task) => {
      await sleep(300, task?.signal);
      return text("failing_job always fails", true);
    }),
  );
  mcp.registerTool("protocol_error_job", {}, async (ctx) =>
    taskTool(ctx, async (task) => {
      await sleep(200, task?.signal);
      throw new TaskError(-32603, "protocol_error_job crashed", { reason: "fixture" });
    }),
  );
  mcp.registerTool("confirm_delete", { inputSchema: { filename: z.string().default("file.txt") } }, async ({ filename }, ctx) =>
    taskTool(ctx, async (task) => {
      if (task === null) return text(`Not deleted ${filename}: confirmation needs the tasks extension`);
      const answer = await task.elicit(`Delete ${filename}?`, CONFIRM);
      const content = (answer.content ?? {}) as JsonObject;
      return text(answer.action === "accept" && content.confirm === true ? `Deleted ${filename}` : `Kept ${filename}`);
    }),
  );
  mcp.registerTool("multi_input", {}, async (ctx) =>
    taskTool(ctx, async (task) => {
      if (task === null) return text("multi_input needs the tasks extension");
      const answers = await Promise.all(["first", "second"].map((slot) => task.elicit(`Value for ${slot}?`, USER_NAME)));
      const names = answers.map((answer) => ((answer.content ?? {}) as JsonObject).name);
      return text(`Got ${String(names[0])} and ${String(names[1])}`);
    }),
  );
  return mcp;
}

const handler = createMcpHandler(build, { onerror: (error) => console.error(`mcp: ${error.message}`) });

const http = createServer(async (req, res) => {
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === "string") headers.set(name, value);
      else if (Array.isArray(value)) for (const one of value) headers.append(name, one);
    }
    const aborted = new AbortController();
    res.on("close", () => aborted.abort());
    const request = new Request(`http://127.0.0.1${req.url ?? "/"}`, {
      method: req.method ?? "GET",
      headers,
      ...(req.method === "GET" || req.method === "HEAD" ? {} : { body: Buffer.concat(chunks) }),
      signal: aborted.signal,
    });
    const response = await handler.fetch(request);
    res.writeHead(response.status, Object.fromEntries(response.headers));
    if (response.body !== null) for await (const chunk of response.body) res.write(chunk);
    res.end();
  } catch (error) {
    console.error("http bridge:", error);
    if (!res.headersSent) res.writeHead(500);
    res.end();
  }
});

http.listen(0, "127.0.0.1", () => {
  const address = http.address();
  if (address === null || typeof address === "string") throw new Error("no TCP address");
  console.log(`http://127.0.0.1:${address.port}/mcp`);
});
