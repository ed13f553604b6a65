/** The task lifecycle, read from the spec's table in `spec.ts`: the guard's two questions. */
import { GOVERNED_METHODS, REFUSAL_CODE, STATUSES, TRANSITIONS } from "./spec.js";
import { ERROR_CLASSES, JsonRpcError } from "./errors.js";

export function isTerminal(status: string): boolean {
  return STATUSES[status]?.terminal ?? false;
}

/** Whether a task in `status` accepts `method` (methods the lifecycle does not govern: always). */
export function accepts(status: string, method: string): boolean {
  if (!GOVERNED_METHODS.includes(method)) return true;
  return STATUSES[status]?.accepts.includes(method) ?? false;
}

export function canTransition(source: string, target: string, trigger: string): boolean {
  return TRANSITIONS.some((t) => t.from === source && t.to === target && t.trigger === trigger);
}

/** A status change the lifecycle does not allow: the server's own mistake, never sent as is. */
export class TransitionRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TransitionRefused";
  }
}

function refusal(message: string, data?: unknown): JsonRpcError {
  const cls = ERROR_CLASSES[REFUSAL_CODE];
  return cls ? new cls(message, data) : new JsonRpcError(REFUSAL_CODE, message, data);
}

/** Refuse `method` on a task in `status` when the lifecycle's table does not accept it there. */
export function checkRequest(status: string, method: string): void {
  if (!accepts(status, method)) {
    throw refusal(`${method} is not accepted on a task in status ${JSON.stringify(status)}`);
  }
}

/** Refuse `source -> target` caused by `trigger` unless the lifecycle lists it. */
export function checkTransition(source: string, target: string, trigger: string): void {
  if (isTerminal(source)) {
    throw new TransitionRefused(`a task in terminal status ${source} never changes (to ${target})`);
  }
  if (!canTransition(source, target, trigger)) {
    throw new TransitionRefused(`${source} -> ${target} by ${trigger} is not a transition of the lifecycle`);
  }
}
