/**
 * @module answerClientError: a Status for requests Node's HTTP parser refuses before the app sees them.
 */
import type { Duplex } from 'node:stream';
import { ApiError } from '@skiff/api';
import { endSocketWithStatus } from './send.js';

/** statusFor maps a parser error to the Status a client gets (Node alone answers an empty 400). */
function statusFor(err: NodeJS.ErrnoException): ApiError {
  switch (err.code) {
    case 'HPE_INVALID_METHOD':
      return new ApiError({ reason: 'MethodNotAllowed', message: 'the server does not allow this method on the requested resource: unknown HTTP method' });
    case 'HPE_HEADER_OVERFLOW':
      return new ApiError({ reason: 'BadRequest', code: 431, message: 'Request Header Fields Too Large' });
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new ApiError({ reason: 'Timeout', code: 408, message: 'the request was not received in time' });
    default:
      return new ApiError({ reason: 'BadRequest', message: `malformed HTTP request: ${err.message}${err.code ? ` (${err.code})` : ''}` });
  }
}

/** answerClientError is the http.Server 'clientError' handler: it writes a Status and closes the connection. */
export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  // As Node's default handler: nothing to answer on a reset socket, or once a response has started on it.
  const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (err.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  endSocketWithStatus(socket, statusFor(err));
}
