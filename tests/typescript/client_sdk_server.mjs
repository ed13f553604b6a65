// The generated TasksClient, over its own `httpSend`, drives the Node server built on the generated
// skeleton and the official SDK (sdk_task_server.ts): a task steered and settled, a failed task as
// a typed error, and what the server refuses (a setting the request did not declare, a missing
// Mcp-Name, an unknown task, a request without the extension).
// usage: node client_sdk_server.mjs <built package dir> <url>; prints a JSON report.
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const pkg = await import(pathToFileURL(join(process.argv[2], "dist", "index.js")).href);
const url = process.argv[3];
const poll = { floorMs: 20, ceilingMs: 500, defaultMs: 100 };

const client = new pkg.TasksClient(pkg.httpSend(url), { poll });
const report = {};

async function refusal(call) {
  try {
    await call();
    return "accepted";
  } catch (error) {
    return { name: error.name, code: error.code, message: error.message };
  }
}

const created = await client.callTool({ name: "slow_compute", arguments: { seconds: 0.6, label: "ts" } });
report.created = { resultType: created.resultType, status: created.status, pollIntervalMs: created.pollIntervalMs };
report.steer = await client.steerTask({ taskId: created.taskId, message: "hello" });
const statuses = [];
for await (const task of client.watch(created.taskId, { timeoutMs: 30_000 })) statuses.push(task.status);
report.statuses = statuses;
report.result = await client.settle(created.taskId);
report.lateSteer = await refusal(() => client.steerTask({ taskId: created.taskId, message: "too late" }));

const failing = await client.callTool({ name: "protocol_error_job", arguments: {} });
try {
  await client.settle(failing.taskId, { timeoutMs: 30_000 });
  report.failed = "settled";
} catch (error) {
  report.failed = { isTaskFailed: error instanceof pkg.TaskFailedError, error: error.error };
}

const asked = await client.callTool({ name: "confirm_delete", arguments: { filename: "b.txt" } });
report.input = await client.settle(asked.taskId, {
  timeoutMs: 30_000,
  onInput: (_key, request) => (request.method === "elicitation/create" ? { action: "accept", content: { confirm: true } } : undefined),
});

report.unknownTask = await refusal(() => client.getTask({ taskId: "no-such-task" }));

// A client of the final extension alone (no steer setting declared): steering is not there for it.
const plain = new pkg.TasksClient(pkg.httpSend(url), { poll, capabilities: { extensions: { [pkg.EXTENSION_ID]: {} } } });
const other = await plain.callTool({ name: "slow_compute", arguments: { seconds: 0.3 } });
report.undeclaredSteer = await refusal(() => plain.steerTask({ taskId: other.taskId, message: "x" }));
// No extension at all: the tool answers inline, and tasks/* needs the capability.
const none = new pkg.TasksClient(pkg.httpSend(url), { poll, capabilities: {} });
report.inline = await none.callTool({ name: "slow_compute", arguments: { seconds: 0.1, label: "inline" } });
report.noCapability = await refusal(() => none.getTask({ taskId: other.taskId }));

// tasks/steer without its Mcp-Name header: the dispatcher's check (the SDK checks only get, update
// and cancel).
function withoutName(target, init) {
  const headers = { ...init.headers };
  delete headers["mcp-name"];
  return fetch(target, { ...init, headers });
}
const headerless = new pkg.TasksClient(pkg.httpSend(url, { fetch: withoutName }), { poll });
report.missingName = await refusal(() => headerless.steerTask({ taskId: other.taskId, message: "x" }));

console.log(JSON.stringify(report));
