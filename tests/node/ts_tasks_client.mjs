// Drive a Tasks server with the official TypeScript Tasks client (npm @modelcontextprotocol/ext-tasks
// with @modelcontextprotocol/client), one scenario per run:
//
//     node ts_tasks_client.mjs URL SCENARIO
//
// prints one JSON object: what the client observed (`ok` false with `error` when it threw). The
// expected answers live in tests/test_interop_typescript.py.
//
// ext-tasks needs a host-owned raw request path for 2026-07-28 task traffic (`rawDispatch`): this
// one POSTs the JSON-RPC request over streamable HTTP with the routing headers SEP-2243 asks of a
// client (Mcp-Method, and Mcp-Name mirroring `taskId` on tasks/* or `name` on tools/call).
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import {
  TaskFailedError,
  createTaskSessionFromClient,
  resultFromTaskOutcome,
} from "@modelcontextprotocol/ext-tasks/client";

const EXTENSION = "io.modelcontextprotocol/tasks";
const VERSION = "2026-07-28";
const [url, scenario] = process.argv.slice(2);
const clientInfo = { name: "taskbind-ts-peer", version: "1.0.0" };
const clientCapabilities = { extensions: { [EXTENSION]: {} } };

function lastMessage(text, contentType) {
  if (!contentType.includes("text/event-stream")) return JSON.parse(text);
  const data = text
    .split("\n")
    .filter((line) => line.startsWith("data:"))
    .map((line) => JSON.parse(line.slice(5)));
  return data.filter((message) => "result" in message || "error" in message).pop();
}

let nextId = 0;

async function rawDispatch(request, options) {
  if (process.env.TS_PEER_DEBUG) console.error("raw", JSON.stringify(request));
  const params = request.params ?? {};
  const name = params.taskId ?? params.name;
  const headers = {
    "Content-Type": "application/json",
    Accept: "application/json, text/event-stream",
    "MCP-Protocol-Version": VERSION,
    "Mcp-Method": request.method,
    ...(typeof name === "string" ? { "Mcp-Name": name } : {}),
  };
  const response = await fetch(url, {
    method: "POST",
    headers,
    // The session hands over {method, params}; the host frames the JSON-RPC envelope.
    body: JSON.stringify({ jsonrpc: "2.0", id: ++nextId, ...request }),
    signal: options?.signal,
  });
  const message = lastMessage(await response.text(), response.headers.get("content-type") ?? "");
  return "error" in message
    ? { kind: "error", error: message.error }
    : { kind: "result", result: message.result };
}

function textOf(result) {
  return (result?.content ?? []).map((block) => block.text ?? "").join(" ");
}

async function answer(request) {
  const message = request.params?.message ?? "";
  if (message.startsWith("Delete")) return { action: "accept", content: { confirm: true } };
  return { action: "accept", content: { name: message.includes("first") ? "ann" : "bob" } };
}

async function run(session) {
  const call = (name, args) => session.callTool(name, args, { task: { preference: "allow" } });
  const settle = async (execution) => (await execution.settle()).outcome;
  switch (scenario) {
    case "plain": {
      const execution = await call("greet", { name: "ts" });
      const outcome = await settle(execution);
      return { kind: execution.kind, status: outcome.status, text: textOf(outcome.result) };
    }
    case "complete": {
      const execution = await call("slow_compute", { seconds: 0.3, label: "ts" });
      const outcome = await settle(execution);
      return { kind: execution.kind, status: outcome.status, text: textOf(outcome.result) };
    }
    case "cancel": {
      const execution = await call("slow_compute", { seconds: 60 });
      await execution.cancel();
      const controller = session.task(execution.handle.taskId);
      let view = await controller.snapshot();
      for (let i = 0; i < 200 && view.status !== "cancelled"; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        view = await controller.snapshot();
      }
      return { kind: execution.kind, status: view.status };
    }
    case "tool_error": {
      const outcome = await settle(await call("failing_job", {}));
      return { status: outcome.status, isError: outcome.result?.isError };
    }
    case "protocol_error": {
      // The failed task surfaces as ext-tasks' typed error, thrown by resultFromTaskOutcome.
      const outcome = await settle(await call("protocol_error_job", {}));
      let thrown;
      try {
        resultFromTaskOutcome(outcome);
      } catch (error) {
        thrown = error;
      }
      return {
        status: outcome.status,
        code: outcome.error?.code ?? outcome.error?.error?.code,
        typed: thrown instanceof TaskFailedError,
        message: thrown?.message,
        data: thrown?.data,
      };
    }
    case "updates": {
      // The status updates as ext-tasks' async iterable gives them, until the outcome.
      const execution = await call("slow_compute", { seconds: 1.5, label: "polled" });
      const statuses = [];
      let outcome;
      for await (const event of execution.updates()) {
        if (event.type === "task" && statuses.at(-1) !== event.task.status) statuses.push(event.task.status);
        if (event.type === "outcome") outcome = event.outcome;
      }
      return { kind: execution.kind, status: outcome?.status, statuses, text: textOf(outcome?.result) };
    }
    case "input": {
      const outcome = await settle(await call("confirm_delete", { filename: "a.txt" }));
      return { status: outcome.status, text: textOf(outcome.result) };
    }
    case "two_inputs": {
      const outcome = await settle(await call("multi_input", {}));
      return { status: outcome.status, text: textOf(outcome.result) };
    }
    case "required_task": {
      const outcome = await settle(await call("failing_job", {}));
      return { status: outcome.status };
    }
    default:
      throw new Error(`unknown scenario ${scenario}`);
  }
}

const client = new Client(clientInfo, {
  capabilities: clientCapabilities,
  versionNegotiation: { mode: { pin: VERSION } },
});
try {
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  const session = createTaskSessionFromClient(client, {
    endpointId: "taskbind-reference",
    rawDispatch,
    v2RequestFraming: { protocolVersion: VERSION, clientInfo, clientCapabilities },
    onInputRequest: answer,
  });
  try {
    const observed = await run(session);
    console.log(JSON.stringify({ ok: true, era: client.getProtocolEra(), ...observed }));
  } finally {
    await session.close();
  }
} catch (error) {
  console.log(JSON.stringify({ ok: false, error: `${error?.name}: ${error?.message}` }));
} finally {
  await client.close();
}
