// The end-to-end row's ceiling: what rate a machine's cores give at a run's CPU a pod, every process counted.
import { round } from './stats.mjs';

/**
 * ceilingOf turns a run's CPU seconds per process (`api`, `scheduler`, `agent`, `bench`) into ms a pod, and says
 * what rate `cores` could give at that cost (`ceilingPerSec`), and at the floor where the api-server costs only
 * the Express echo's `echoMs` a request (`floorPerSec`): the other processes as measured, plus requests x echo.
 */
export function ceilingOf({ cpuSeconds, pods, requests, cores, echoMs }) {
  const ms = (s) => (1000 * (s ?? 0)) / pods;
  const totalMs = Object.values(cpuSeconds).reduce((sum, s) => sum + ms(s), 0);
  const requestsPerPod = requests / pods;
  const floorMs = totalMs - ms(cpuSeconds.api) + requestsPerPod * echoMs;
  return {
    apiMsPerPod: round(ms(cpuSeconds.api), 2),
    schedMsPerPod: round(ms(cpuSeconds.scheduler), 2),
    agentMsPerPod: cpuSeconds.agent === undefined ? '' : round(ms(cpuSeconds.agent), 2),
    benchMsPerPod: round(ms(cpuSeconds.bench), 2),
    totalMsPerPod: round(totalMs, 2),
    cores,
    // The best rate this machine could give with these processes: every core busy with nothing else.
    ceilingPerSec: round((1000 * cores) / totalMs, 0),
    requestsPerPod: round(requestsPerPod, 2),
    echoMsPerRequest: round(echoMs, 3),
    // The floor no api-server code change can go below. Over `1000 * cores / aim` ms, the aim is out of reach here.
    floorMsPerPod: round(floorMs, 2),
    floorPerSec: round((1000 * cores) / floorMs, 0),
  };
}
