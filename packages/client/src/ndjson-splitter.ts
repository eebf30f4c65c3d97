/**
 * @module Splitting a chunked watch stream into its newline-delimited JSON lines.
 */
import { StringDecoder } from 'node:string_decoder';

/**
 * NdjsonSplitter turns arbitrary byte chunks into whole lines: HTTP chunks need not align with events, and a
 * multi-byte character may straddle two chunks, hence the StringDecoder.
 */
export class NdjsonSplitter {
  readonly #decoder = new StringDecoder('utf8');
  #pending = '';

  /** push adds a chunk and returns the complete, non-blank lines it finished. */
  push(chunk: Buffer | string): string[] {
    const text = this.#pending + (typeof chunk === 'string' ? chunk : this.#decoder.write(chunk));
    const lines = text.split('\n');
    this.#pending = lines.pop() ?? '';
    return lines.filter((l) => l.trim() !== '');
  }

  /** end returns what is left once the stream is over (a last line without a newline). */
  end(): string[] {
    const rest = this.#pending + this.#decoder.end();
    this.#pending = '';
    return rest.trim() === '' ? [] : [rest];
  }
}
