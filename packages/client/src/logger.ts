/**
 * @module The logger shape the client accepts: pino's (object, message) call order.
 */

/** Logger is the structured logger the client writes to; pino and our own logger both fit it. */
export interface Logger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

const noop = (): void => {};

/** noopLogger is the default so callers that pass no logger pay nothing for logging. */
export const noopLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };
