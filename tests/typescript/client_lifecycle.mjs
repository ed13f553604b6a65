// The generated TasksClient drives a task server over streamable HTTP through one lifecycle:
// create (tools/call), steer, pause, steer while paused, resume, wait until terminal, and a refusal.
// usage: node client_lifecycle.mjs <built package dir> <url>; prints a JSON report.
import { pathToFileURL } from "node:url";
import { join } from "node:path";

const pkg = await import(pathToFileURL(join(process.argv[2], "dist", "index.js")).href);
const url = process.argv[3];

// The package's own streamable HTTP `send`: SEP-2243's headers, JSON or event-stream responses.
const client = new pkg.TasksClient(pkg.httpSend(url), { poll: { floorMs: 20, ceilingMs: 500, defaultMs: 100 } });
const report = { statuses: [] };
const created = await client.callTool({ name: "steerable_job", arguments: { steps: 40, step_seconds: 0.05 } });
report.created = created;
const id = created.taskId;
report.steer = await client.steerTask({ taskId: id, message: "first" });
report.paused = await client.pauseTask({ taskId: id });
report.steerPaused = await client.steerTask({ taskId: id, message: "second" });
report.whilePaused = (await client.getTask({ taskId: id })).status;
try {
  await client.pauseTask({ taskId: id });
  report.pauseTwice = "accepted";
} catch (error) {
  report.pauseTwice = { name: error.name, code: error.code, isInvalidParams: error instanceof pkg.errors.InvalidParamsError };
}
report.resumed = await client.resumeTask({ taskId: id });
for await (const task of client.watch(id, { timeoutMs: 60_000 })) report.statuses.push(task.status);
report.result = await client.settle(id);
try {
  await client.steerTask({ taskId: id, message: "too late" });
  report.lateSteer = "accepted";
} catch (error) {
  report.lateSteer = { name: error.name, code: error.code };
}
const failing = await client.callTool({ name: "protocol_error_job", arguments: {} });
try {
  await client.settle(failing.taskId, { timeoutMs: 60_000 });
  report.failed = "settled";
} catch (error) {
  report.failed = { name: error.name, isTaskFailed: error instanceof pkg.TaskFailedError, error: error.error };
}
process.stdout.write(JSON.stringify(report));
