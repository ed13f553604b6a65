/** JSON-RPC 2.0 as this package uses it: message shapes, the transport function, the error base. */

export type JsonRpcId = string | number;

export interface JsonRpcRequest {
  jsonrpc: "2.0";
  id: JsonRpcId;
  method: string;
  params?: Record<string, unknown>;
}

export interface JsonRpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

export interface JsonRpcResponse {
  jsonrpc: "2.0";
  id: JsonRpcId | null;
  result?: Record<string, unknown>;
  error?: JsonRpcErrorObject;
}

/** Sends one JSON-RPC request and resolves to its response (`result` or `error`), as wire JSON. */
export type Send = (request: JsonRpcRequest) => Promise<JsonRpcResponse>;

/** A JSON-RPC error, raised by handlers and thrown by the client. `errors.ts` has one subclass per
 * error code of the spec; `errorFromWire` picks it. */
export class JsonRpcError extends Error {
  readonly code: number;
  readonly data: unknown;

  constructor(code: number, message: string, data?: unknown) {
    super(message);
    this.name = "JsonRpcError";
    this.code = code;
    this.data = data;
  }

  /** The `error` member of a response. */
  toError(): JsonRpcErrorObject {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }
}

/** A message that does not match the spec; `issues` lists each problem with its JSON path. */
export class MessageValidationError extends Error {
  readonly issues: readonly { path: string; message: string }[];

  constructor(message: string, issues: readonly { path: string; message: string }[] = []) {
    super(message);
    this.name = "MessageValidationError";
    this.issues = issues;
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
