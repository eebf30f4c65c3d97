/**
 * @module Structured JSON logging on pino: one root logger per process, a child per component, constant messages
 * with variables in fields (`log.info({ key, durationMs }, 'synced')`).
 */
import { destination as pinoDestination, pino } from 'pino';
import type { DestinationStream, Level, Logger as PinoLogger } from 'pino';

/** Logger is pino's logger type, re-exported so packages depend on controller-kit rather than on pino directly. */
export type Logger = PinoLogger;

export interface CreateLoggerOptions {
  /** Minimum level; defaults to `info`. `silent` turns logging off. */
  level?: Level | 'silent';
  /** Stamped on every line as `name`, usually the process (`scheduler`, `controller-manager`). */
  name?: string;
  /** Where JSON lines go; defaults to stderr so stdout stays free for program output. */
  destination?: DestinationStream;
}

/** createLogger builds the process's root logger; components take `logger.child({ component: '...' })`. */
export function createLogger(opts: CreateLoggerOptions = {}): Logger {
  const options: { level: string; name?: string } = { level: opts.level ?? 'info' };
  if (opts.name !== undefined) options.name = opts.name;
  return pino(options, opts.destination ?? pinoDestination({ dest: 2, sync: true }));
}

/** silentLogger discards everything; the default for tests and for components built without a logger. */
export const silentLogger: Logger = pino({ level: 'silent' });
