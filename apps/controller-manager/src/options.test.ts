import { describe, expect, it } from 'vitest';
import { CONTROLLER_NAMES, parseControllers, parseOptions, type Options } from './options.js';

function parseFlags(argv: string[], env: Record<string, string> = {}): Options {
  const o = parseOptions(argv, env);
  if (o === 'help') throw new Error('unexpected help');
  return o;
}

describe('parseFlags', () => {
  it('reads kube-controller-manager flag names and Go durations', () => {
    const o = parseFlags(['--server', 'http://h:1', '--leader-elect=false', '--node-monitor-period', '1s', '--node-monitor-grace-period=4s', '--concurrent-replicaset-syncs', '3']);
    expect(o).toMatchObject({ server: 'http://h:1', leaderElect: false, nodeMonitorPeriodMs: 1000, nodeMonitorGracePeriodMs: 4000, concurrentReplicaSetSyncs: 3 });
    expect(parseFlags(['--concurrent-job-syncs', '7', '--concurrent-cron-job-syncs=2'])).toMatchObject({ concurrentJobSyncs: 7, concurrentCronJobSyncs: 2 });
  });
  it('defaults to leader election on and every controller', () => {
    const o = parseFlags([]);
    expect(o.leaderElect).toBe(true);
    expect(o.controllers).toEqual([...CONTROLLER_NAMES]);
    expect(o.controllers).toEqual(expect.arrayContaining(['serviceaccount', 'job', 'cronjob', 'endpoint', 'root-ca-cert-publisher', 'tokencleaner']));
  });
  it('parses --controllers with *, -name and long names', () => {
    expect(parseControllers('*,-podgc,-nodelifecycle,-job,-cronjob')).toEqual(['replicaset', 'deployment', 'garbagecollector', 'namespace', 'serviceaccount', 'endpoint', 'serviceproxy', 'root-ca-cert-publisher', 'tokencleaner', 'clusterrole-aggregation', 'disruption', 'daemonset', 'statefulset', 'csrapproving', 'csrsigning', 'persistentvolume-binder', 'pvc-protection', 'pv-protection', 'horizontalpodautoscaling']);
    expect(parseControllers('root-ca-certificate-publisher-controller,token-cleaner-controller')).toEqual(['root-ca-cert-publisher', 'tokencleaner']);
    expect(parseControllers('clusterrole-aggregation-controller')).toEqual(['clusterrole-aggregation']);
    expect(parseControllers('disruption-controller')).toEqual(['disruption']);
    expect(parseControllers('horizontal-pod-autoscaler-controller')).toEqual(['horizontalpodautoscaling']);
    expect(parseControllers('certificatesigningrequest-approving-controller,certificatesigningrequest-signing-controller')).toEqual(['csrapproving', 'csrsigning']);
    expect(parseControllers('serviceaccount-controller')).toEqual(['serviceaccount']);
    expect(parseControllers('job-controller,ttl-after-finished-controller,cronjob-controller')).toEqual(['job', 'cronjob']);
    expect(parseControllers('endpointslice-controller')).toEqual(['endpoint']);
    expect(parseControllers('replicaset-controller,deployment')).toEqual(['replicaset', 'deployment']);
    expect(() => parseControllers('bogus')).toThrow(/unknown controller/);
  });
  it('reads the horizontal-pod-autoscaler flags with kube defaults (15s sync, 5m downscale window, 0.1 tolerance)', () => {
    const d = parseFlags([]);
    expect([d.horizontalPodAutoscalerSyncPeriodMs, d.horizontalPodAutoscalerDownscaleStabilizationMs, d.horizontalPodAutoscalerTolerance]).toEqual([15_000, 300_000, 0.1]);
    const o = parseFlags(['--horizontal-pod-autoscaler-sync-period', '1s', '--horizontal-pod-autoscaler-downscale-stabilization', '10s', '--horizontal-pod-autoscaler-tolerance', '0.2']);
    expect([o.horizontalPodAutoscalerSyncPeriodMs, o.horizontalPodAutoscalerDownscaleStabilizationMs, o.horizontalPodAutoscalerTolerance]).toEqual([1000, 10_000, 0.2]);
  });
  it('reads the cluster signing flags, the duration defaulting to a year', () => {
    const o = parseFlags(['--cluster-signing-cert-file', '/pki/ca.crt', '--cluster-signing-key-file', '/pki/ca.key']);
    expect([o.clusterSigningCertFile, o.clusterSigningKeyFile, o.clusterSigningDurationMs]).toEqual(['/pki/ca.crt', '/pki/ca.key', 365 * 24 * 3600_000]);
    expect(parseFlags(['--cluster-signing-duration', '24h']).clusterSigningDurationMs).toBe(24 * 3600_000);
  });
  it('rejects unknown flags, a trailing valueless flag and a --listen the other components refuse', () => {
    expect(() => parseFlags(['--nope', '1'])).toThrow(/unknown flag/);
    expect(() => parseFlags(['--server'])).toThrow('flag --server needs a value');
    expect(() => parseFlags(['--listen', '10257'])).toThrow('--listen must be HOST:PORT, got "10257"');
    expect(() => parseFlags(['--listen', 'localhost:http'])).toThrow('--listen must be HOST:PORT');
    expect(parseFlags(['--listen', ':10257']).listen).toBe(':10257');
  });

  it('answers help for --help and -h, and takes a bare --leader-elect as true', () => {
    expect(parseOptions(['--help'])).toBe('help');
    expect(parseOptions(['--server', 'x', '-h'])).toBe('help');
    expect(parseFlags(['--leader-elect', '--server', 's'], { SKIFF_LEADER_ELECT: 'false' })).toMatchObject({ leaderElect: true, server: 's' });
  });

  it('falls back to SKIFF_* environment variables, and flags win over them', () => {
    const o = parseFlags(['--node-monitor-period', '2s'], { SKIFF_NODE_MONITOR_GRACE_PERIOD: '10s', SKIFF_NODE_MONITOR_PERIOD: '9s', SKIFF_LEADER_ELECT: 'false' });
    expect(o.nodeMonitorGracePeriodMs).toBe(10_000);
    expect(o.nodeMonitorPeriodMs).toBe(2_000);
    expect(o.leaderElect).toBe(false);
  });
});
