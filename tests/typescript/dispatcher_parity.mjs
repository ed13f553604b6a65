// Raw JSON-RPC requests through the generated TypeScript dispatcher, for comparison with the Python
// one (tests/test_typescript.py): the same task table and handlers as the Python side there.
// usage: node dispatcher_parity.mjs <built package dir> < cases.json; prints the responses as JSON.
// A case is {message, headers?, lenient?}; its answer is the response (null for none).
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const pkg = await import(pathToFileURL(join(process.argv[2], "dist", "index.js")).href);

const STATUS = { "t-working": "working", "t-done": "completed", "t-paused": "paused" };
const STAMP = "2026-11-21T10:00:00Z";

class ParityServer extends pkg.TaskServer {
  constructor(lenient) {
    super();
    this.enabledSettings = new Set(["steer"]);
    this.acceptMissingNameHeader = lenient;
  }
  async taskStatus(taskId) {
    return STATUS[taskId];
  }
  async getTask({ taskId }) {
    const status = STATUS[taskId];
    const task = { resultType: "complete", taskId, status, createdAt: STAMP, lastUpdatedAt: STAMP, ttlMs: null };
    if (status === "completed") task.result = { resultType: "complete", content: [] };
    return task;
  }
  async updateTask() {
    return { resultType: "complete" };
  }
  async cancelTask() {
    return { resultType: "complete" };
  }
  async steerTask() {
    return { resultType: "complete" };
  }
  async listEvents(_params, context) {
    throw pkg.roleError("method_not_found", `${context.method} is not supported by this server`);
  }
  async pollEvents(_params, context) {
    throw pkg.roleError("method_not_found", `${context.method} is not supported by this server`);
  }
  async streamEvents(_params, context) {
    throw pkg.roleError("method_not_found", `${context.method} is not supported by this server`);
  }
}

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const cases = JSON.parse(Buffer.concat(chunks).toString("utf-8"));
const answers = [];
for (const { message, headers, lenient } of cases) {
  const server = new ParityServer(Boolean(lenient));
  answers.push(await server.dispatch(message, headers ? { headers } : {}));
}
console.log(JSON.stringify(answers));
