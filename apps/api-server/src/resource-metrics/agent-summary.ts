/**
 * @module fetchAgentSummary: one node's Summary (kubelet's /stats/summary) read from its node agent, for metrics.k8s.io.
 */
import type { AgentDialer } from '../routes/agent-dialer.js';
import type { AgentEndpoint } from '../routes/node-agent.js';

/** CPUStats and MemoryStats are the parts of kubelet's Summary API that metrics read; `window` is Skiff's. */
export interface CPUStats {
  time: string;
  usageNanoCores: number;
  window: number;
}
export interface MemoryStats {
  time: string;
  workingSetBytes: number;
}

/** Summary is what a node agent's /stats/summary answers. */
export interface Summary {
  node: { nodeName: string; cpu?: CPUStats; memory?: MemoryStats };
  pods: Array<{ podRef: { name: string; namespace: string; uid: string }; containers: Array<{ name: string; cpu: CPUStats; memory: MemoryStats }> }>;
}

/** MAX_SUMMARY_BYTES bounds an agent's answer: a node of 110 pods of a few containers is far below it. */
const MAX_SUMMARY_BYTES = 8 << 20;

/**
 * fetchAgentSummary asks an agent for a node's Summary (`?node=` tells apart the simulated nodes of one process)
 * through the same dialer as logs and exec (HTTPS with the kubelet client certificate, refused targets); it rejects
 * when the agent cannot be reached, answers an error, or does not answer within timeoutMs.
 */
export function fetchAgentSummary(agent: AgentEndpoint, timeoutMs: number, dialer: AgentDialer): Promise<Summary> {
  return new Promise((resolve, reject) => {
    const path = `/stats/summary?node=${encodeURIComponent(agent.nodeName)}`;
    let req: ReturnType<AgentDialer['request']>;
    try {
      req = dialer.request(agent, { method: 'GET', path, timeout: timeoutMs });
    } catch (err) {
      return reject(err);
    }
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_SUMMARY_BYTES) req.destroy(new Error(`summary of node ${agent.nodeName} is larger than ${MAX_SUMMARY_BYTES} bytes`));
        else chunks.push(c);
      });
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 200) return reject(new Error(`node agent of ${agent.nodeName} answered ${res.statusCode}: ${text.trim()}`));
        try {
          resolve(JSON.parse(text) as Summary);
        } catch (err) {
          reject(new Error(`node agent of ${agent.nodeName} sent a summary that is not JSON: ${(err as Error).message}`));
        }
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`node agent of ${agent.nodeName} did not answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}
