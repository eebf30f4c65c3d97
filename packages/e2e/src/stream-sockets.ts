/**
 * @module TCP sockets of a process, read from /proc (Linux), and a way to destroy connections from outside (`ss -K`):
 * what tests of streams killed mid-way use to show that the process that survives holds nothing left over.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { waitFor } from '@skiff/testing';

/** TcpSocket is one TCP socket: its local and remote ports and its state as /proc/net/tcp names it. */
export interface TcpSocket {
  local: number;
  remote: number;
  state: string;
}

/** The states of /proc/net/tcp (include/net/tcp_states.h). */
const STATES: Record<string, string> = {
  '01': 'ESTABLISHED',
  '02': 'SYN_SENT',
  '03': 'SYN_RECV',
  '04': 'FIN_WAIT1',
  '05': 'FIN_WAIT2',
  '06': 'TIME_WAIT',
  '07': 'CLOSE',
  '08': 'CLOSE_WAIT',
  '09': 'LAST_ACK',
  '0A': 'LISTEN',
  '0B': 'CLOSING',
};

/**
 * tcpSocketsOf lists the TCP sockets process `pid` holds open: the socket inodes of its /proc/PID/fd, found in
 * /proc/net/tcp and tcp6 (this network namespace). A socket in CLOSE_WAIT is one whose peer has gone and that the
 * process never closed: a leak.
 */
export function tcpSocketsOf(pid: number): TcpSocket[] {
  const inodes = new Set<string>();
  let fds: string[] = [];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return [];
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // closed while we looked
    }
  }
  const out: TcpSocket[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || !inodes.has(f[9]!)) continue;
      const port = (addr: string) => parseInt(addr.slice(addr.lastIndexOf(':') + 1), 16);
      out.push({ local: port(f[1]!), remote: port(f[2]!), state: STATES[f[3]!] ?? f[3]! });
    }
  }
  return out;
}

/** connectionsOf lists a process's TCP connections (every socket but its listeners) that have `port` at either end. */
export function connectionsOf(pid: number, port: number): TcpSocket[] {
  return tcpSocketsOf(pid).filter((s) => s.state !== 'LISTEN' && (s.local === port || s.remote === port));
}

/** closeWaitOf lists the sockets of a process whose peer closed and that it never closed itself. */
export function closeWaitOf(pid: number): TcpSocket[] {
  return tcpSocketsOf(pid).filter((s) => s.state === 'CLOSE_WAIT');
}

/** noLeftoverSockets waits until process `pid` has no connection with `port` at either end and none in CLOSE_WAIT. */
export async function noLeftoverSockets(pid: number, port: number): Promise<void> {
  await waitFor(() => connectionsOf(pid, port).length === 0 && closeWaitOf(pid).length === 0, { what: `process ${pid} to close its sockets of port ${port}`, timeoutMs: 30_000, intervalMs: 100 }).catch((err: Error) => {
    throw new Error(`${err.message}; it holds ${JSON.stringify(tcpSocketsOf(pid).filter((s) => s.state !== 'LISTEN'))}`);
  });
}

/**
 * destroyConnections aborts the loopback TCP sockets that `ss` selects with `filter` (e.g. `dport = :1234`, the
 * dialling side of connections to port 1234): the owner gets ECONNABORTED, its peer a reset, as when a connection
 * dies on the way. Resolves with how many it destroyed; rejects when that is none, which is also what a process
 * without CAP_NET_ADMIN or a kernel without CONFIG_INET_DIAG_DESTROY gets.
 */
export function destroyConnections(filter: string): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile('ss', ['-K', '-t', '-n', '-H', 'dst', '127.0.0.1', ...filter.split(' ')], (err, stdout, stderr) => {
      if (err) return reject(new Error(`ss -K ${filter}: ${stderr || err.message}`));
      const n = stdout.split('\n').filter((l) => l.trim()).length;
      if (n === 0) return reject(new Error(`ss -K ${filter} destroyed no socket (it needs root and a kernel with CONFIG_INET_DIAG_DESTROY)`));
      resolve(n);
    });
  });
}
