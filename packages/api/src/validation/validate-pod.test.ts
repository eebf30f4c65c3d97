import { describe, expect, it } from 'vitest';
import { applyDefaults } from '../defaults/apply-defaults.js';
import type { KubeObject } from '../meta.js';
import type { Pod } from '../pod.js';
import { ApiError, isInvalid } from '../status.js';
import { validateObject } from './validate-object.js';
import { FieldErrors } from './field-errors.js';
import { POD_UPDATE_FORBIDDEN, validatePodUpdate } from './validate-pod-update.js';

function validPod(): Pod {
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', uid: 'u1', creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: {
      containers: [{ name: 'app', image: 'nginx:1.27', ports: [{ containerPort: 80, name: 'http' }], volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
      volumes: [{ name: 'data', emptyDir: {} }],
    },
  };
  applyDefaults('pods', pod as unknown as KubeObject);
  return pod;
}

/** causesOf runs validation and returns "field: message" lines, or [] when the object is valid. */
function causesOf(pod: Pod, old?: Pod): string[] {
  try {
    validateObject('pods', pod as unknown as KubeObject, old as unknown as KubeObject | undefined);
    return [];
  } catch (err) {
    if (!(err instanceof ApiError) || !isInvalid(err)) throw err;
    return (err.details?.causes ?? []).map((c) => `${c.field}: ${c.message}`);
  }
}

/** containers builds `n` defaulted containers named prefix0, prefix1 ... */
function containers(prefix: string, n: number): Pod['spec']['containers'] {
  return Array.from({ length: n }, (_, i) => ({ name: `${prefix}${i}`, image: 'busybox', imagePullPolicy: 'Always' as const, terminationMessagePolicy: 'File' as const }));
}

function mutated(change: (p: Pod) => void): Pod {
  const pod = validPod();
  change(pod);
  return pod;
}

describe('validateObject: pods', () => {
  it('accepts a valid defaulted pod', () => {
    expect(causesOf(validPod())).toEqual([]);
  });

  it('throws one 422 with every cause and the kube message layout', () => {
    const pod = mutated((p) => {
      p.metadata.name = 'Web';
      const c = p.spec.containers[0];
      if (c) delete c.image;
    });
    let err: unknown;
    try {
      validateObject('pods', pod as unknown as KubeObject);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ApiError);
    const apiErr = err as ApiError;
    expect(apiErr.code).toBe(422);
    expect(apiErr.message).toMatch(/^Pod "Web" is invalid: \[metadata\.name: Invalid value: "Web": a lowercase RFC 1123 subdomain .*, spec\.containers\[0\]\.image: Required value\]$/);
    expect(apiErr.details?.causes?.map((c) => c.reason)).toEqual(['FieldValueInvalid', 'FieldValueRequired']);
    expect(apiErr.details?.kind).toBe('Pod');
  });

  it.each<[string, (p: Pod) => void, string[]]>([
    ['missing name', (p) => delete p.metadata.name, ['metadata.name: Required value: name or generateName is required']],
    ['generateName instead of name', (p) => { delete p.metadata.name; p.metadata.generateName = 'web-'; }, []],
    ['missing namespace', (p) => delete p.metadata.namespace, ['metadata.namespace: Required value']],
    ['bad label key', (p) => (p.metadata.labels = { 'bad key': 'x' }), [expect.stringMatching(/^metadata\.labels: Invalid value: "bad key": name part must consist of/) as unknown as string]],
    ['bad label value', (p) => (p.metadata.labels = { app: '-x' }), [expect.stringMatching(/^metadata\.labels: Invalid value: "-x": a valid label must be an empty string/) as unknown as string]],
    ['empty label value is fine', (p) => (p.metadata.labels = { app: '' }), []],
    ['annotations too large', (p) => (p.metadata.annotations = { a: 'x'.repeat(256 * 1024) }), ['metadata.annotations: Too long: may not be more than 262144 bytes']],
    ['no containers', (p) => (p.spec.containers = []), ['spec.containers: Required value']],
    ['missing container name', (p) => { if (p.spec.containers[0]) p.spec.containers[0].name = ''; }, ['spec.containers[0].name: Required value']],
    ['bad container name', (p) => { if (p.spec.containers[0]) p.spec.containers[0].name = 'App_1'; }, [expect.stringMatching(/^spec\.containers\[0\]\.name: Invalid value: "App_1": a lowercase RFC 1123 label/) as unknown as string]],
    ['duplicate container names across init and app', (p) => (p.spec.initContainers = [{ name: 'app', image: 'busybox', imagePullPolicy: 'Always', terminationMessagePolicy: 'File' }]), ['spec.containers[0].name: Duplicate value: "app"']],
    ['containerPort out of range', (p) => { const port = p.spec.containers[0]?.ports?.[0]; if (port) port.containerPort = 70000; }, ['spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive']],
    ['containerPort missing', (p) => { const port = p.spec.containers[0]?.ports?.[0]; if (port) port.containerPort = 0; }, ['spec.containers[0].ports[0].containerPort: Required value']],
    ['hostPort out of range', (p) => { const port = p.spec.containers[0]?.ports?.[0]; if (port) port.hostPort = 65536; }, ['spec.containers[0].ports[0].hostPort: Invalid value: 65536: must be between 1 and 65535, inclusive']],
    ['hostPort 0 is fine', (p) => { const port = p.spec.containers[0]?.ports?.[0]; if (port) port.hostPort = 0; }, []],
    ['bad protocol', (p) => { const port = p.spec.containers[0]?.ports?.[0]; if (port) port.protocol = 'ICMP' as 'TCP'; }, ['spec.containers[0].ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"']],
    ['restartPolicy', (p) => (p.spec.restartPolicy = 'Sometimes' as 'Always'), ['spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "Never", "OnFailure"']],
    ['dnsPolicy', (p) => (p.spec.dnsPolicy = 'Google' as 'None'), ['spec.dnsPolicy: Unsupported value: "Google": supported values: "ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"']],
    ['imagePullPolicy', (p) => { if (p.spec.containers[0]) p.spec.containers[0].imagePullPolicy = 'Sometimes' as 'Always'; }, ['spec.containers[0].imagePullPolicy: Unsupported value: "Sometimes": supported values: "Always", "IfNotPresent", "Never"']],
    ['invalid quantity', (p) => { if (p.spec.containers[0]) p.spec.containers[0].resources = { limits: { cpu: 'lots' } }; }, [expect.stringMatching(/^spec\.containers\[0\]\.resources\.limits\[cpu\]: Invalid value: "lots": quantities must match/) as unknown as string]],
    ['negative quantity', (p) => { if (p.spec.containers[0]) p.spec.containers[0].resources = { requests: { memory: '-1Mi' } }; }, ['spec.containers[0].resources.requests[memory]: Invalid value: "-1Mi": must be greater than or equal to 0']],
    ['request above limit', (p) => { if (p.spec.containers[0]) p.spec.containers[0].resources = { limits: { cpu: '1' }, requests: { cpu: '2' } }; }, ['spec.containers[0].resources.requests[cpu]: Invalid value: "2": must be less than or equal to cpu limit of 1']],
    ['request equal to limit in other notation', (p) => { if (p.spec.containers[0]) p.spec.containers[0].resources = { limits: { cpu: '1' }, requests: { cpu: '1000m' } }; }, []],
    ['unqualified extended resource', (p) => { if (p.spec.containers[0]) p.spec.containers[0].resources = { limits: { gpu: '1' } }; }, ['spec.containers[0].resources.limits[gpu]: Invalid value: "gpu": must be a standard resource type or fully qualified']],
    ['duplicate volume', (p) => p.spec.volumes?.push({ name: 'data', emptyDir: {} }), ['spec.volumes[1].name: Duplicate value: "data"']],
    ['volume with two sources', (p) => p.spec.volumes?.push({ name: 'x', emptyDir: {}, hostPath: { path: '/tmp' } }), ['spec.volumes[1].hostPath: Forbidden: may not specify more than 1 volume type']],
    ['mount of a missing volume', (p) => { const m = p.spec.containers[0]?.volumeMounts?.[0]; if (m) m.name = 'nope'; }, ['spec.containers[0].volumeMounts[0].name: Not found: "nope"']],
    ['subPathExpr', (p) => { const m = p.spec.containers[0]?.volumeMounts?.[0]; if (m) m.subPathExpr = '$(POD_NAME)/logs'; }, []],
    ['subPathExpr with subPath', (p) => { const m = p.spec.containers[0]?.volumeMounts?.[0]; if (m) Object.assign(m, { subPath: 'a', subPathExpr: '$(POD_NAME)' }); }, ['spec.containers[0].volumeMounts[0].subPathExpr: Invalid value: "$(POD_NAME)": subPathExpr and subPath are mutually exclusive']],
    ['absolute subPathExpr', (p) => { const m = p.spec.containers[0]?.volumeMounts?.[0]; if (m) m.subPathExpr = '/$(POD_NAME)'; }, ['spec.containers[0].volumeMounts[0].subPathExpr: Invalid value: "/$(POD_NAME)": must be a relative path']],
    ['subPathExpr with ..', (p) => { const m = p.spec.containers[0]?.volumeMounts?.[0]; if (m) m.subPathExpr = '$(POD_NAME)/../x'; }, ['spec.containers[0].volumeMounts[0].subPathExpr: Invalid value: "$(POD_NAME)/../x": must not contain \'..\'']],
    ['bad env var name', (p) => { if (p.spec.containers[0]) p.spec.containers[0].env = [{ name: '1X', value: 'v' }]; }, [expect.stringMatching(/^spec\.containers\[0\]\.env\[0\]\.name: Invalid value: "1X": a valid environment variable name/) as unknown as string]],
    ['probe without handler', (p) => { if (p.spec.containers[0]) p.spec.containers[0].livenessProbe = { periodSeconds: 10 }; }, ['spec.containers[0].livenessProbe: Required value: must specify a handler type']],
    ['probe with two handlers', (p) => { if (p.spec.containers[0]) p.spec.containers[0].readinessProbe = { exec: { command: ['true'] }, tcpSocket: { port: 80 } }; }, ['spec.containers[0].readinessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type']],
    ['liveness successThreshold', (p) => { if (p.spec.containers[0]) p.spec.containers[0].livenessProbe = { exec: { command: ['true'] }, successThreshold: 2 }; }, ['spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1']],
    ['toleration with bad operator', (p) => (p.spec.tolerations = [{ key: 'k', operator: 'Maybe' as 'Exists' }]), ['spec.tolerations[0].operator: Unsupported value: "Maybe": supported values: "Equal", "Exists"']],
    ['toleration with bad effect', (p) => (p.spec.tolerations = [{ key: 'k', operator: 'Exists', effect: 'Never' as 'NoSchedule' }]), ['spec.tolerations[0].effect: Unsupported value: "Never": supported values: "NoExecute", "NoSchedule", "PreferNoSchedule"']],
    ['toleration Exists with value', (p) => (p.spec.tolerations = [{ key: 'k', operator: 'Exists', value: 'v' }]), ["spec.tolerations[0].operator: Invalid value: \"Exists\": value must be empty when `operator` is 'Exists'"]],
    ['toleration without key must be Exists', (p) => (p.spec.tolerations = [{ operator: 'Equal', value: 'v' }]), ['spec.tolerations[0].operator: Invalid value: "Equal": operator must be Exists when `key` is empty, which means "match all values and all keys"']],
    ['tolerationSeconds needs NoExecute', (p) => (p.spec.tolerations = [{ key: 'k', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 5 }]), ["spec.tolerations[0].effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set"]],
    ['negative grace period', (p) => (p.spec.terminationGracePeriodSeconds = -1), ['spec.terminationGracePeriodSeconds: Invalid value: -1: must be greater than or equal to 0']],
    ['100 containers and 100 init containers are fine', (p) => { p.spec.containers = containers('c', 100); p.spec.initContainers = containers('i', 100); }, []],
    ['101 containers', (p) => (p.spec.containers = containers('c', 101)), ['spec.containers: Too many: 101: must have at most 100 items']],
    ['101 init containers', (p) => (p.spec.initContainers = containers('i', 101)), ['spec.initContainers: Too many: 101: must have at most 100 items']],
    ['negative pod runAsUser', (p) => (p.spec.securityContext = { runAsUser: -1 }), ['spec.securityContext.runAsUser: Invalid value: -1: must be between 0 and 2147483647, inclusive']],
    ['pod IDs above MaxInt32', (p) => (p.spec.securityContext = { runAsGroup: 2147483648, fsGroup: -1, supplementalGroups: [5, -3] }), [
      'spec.securityContext.runAsGroup: Invalid value: 2147483648: must be between 0 and 2147483647, inclusive',
      'spec.securityContext.fsGroup: Invalid value: -1: must be between 0 and 2147483647, inclusive',
      'spec.securityContext.supplementalGroups[1]: Invalid value: -3: must be between 0 and 2147483647, inclusive',
    ]],
    ['negative container runAsUser', (p) => { if (p.spec.containers[0]) p.spec.containers[0].securityContext = { runAsUser: -1, runAsGroup: 0 }; }, ['spec.containers[0].securityContext.runAsUser: Invalid value: -1: must be between 0 and 2147483647, inclusive']],
    ['root and MaxInt32 IDs are fine', (p) => (p.spec.securityContext = { runAsUser: 0, runAsGroup: 2147483647, fsGroup: 0 }), []],
  ])('%s', (_name, change, expected) => {
    expect(causesOf(mutated(change))).toEqual(expected);
  });
});

describe('validateObject: container privilege escalation', () => {
  it('refuses allowPrivilegeEscalation false with privileged or CAP_SYS_ADMIN, as kube does', () => {
    const privileged = mutated((p) => (p.spec.containers[0]!.securityContext = { privileged: true, allowPrivilegeEscalation: false }));
    expect(causesOf(privileged)).toEqual([expect.stringMatching(/^spec\.containers\[0\]\.securityContext: Invalid value: .*cannot set `allowPrivilegeEscalation` to false and `privileged` to true$/)]);
    const sysAdmin = mutated((p) => (p.spec.containers[0]!.securityContext = { allowPrivilegeEscalation: false, capabilities: { add: ['CAP_SYS_ADMIN'] } }));
    expect(causesOf(sysAdmin)).toEqual([expect.stringMatching(/cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN$/)]);
    expect(causesOf(mutated((p) => (p.spec.containers[0]!.securityContext = { privileged: true, allowPrivilegeEscalation: true })))).toEqual([]);
  });
});

describe('validateObject: pod updates', () => {
  it('allows image, tolerations additions, activeDeadlineSeconds and setting nodeName once', () => {
    const old = validPod();
    old.spec.tolerations = [{ key: 'a', operator: 'Exists' }];
    const pod = structuredClone(old);
    if (pod.spec.containers[0]) pod.spec.containers[0].image = 'nginx:1.28';
    pod.spec.tolerations = [{ key: 'a', operator: 'Exists' }, { key: 'b', operator: 'Exists' }];
    pod.spec.activeDeadlineSeconds = 100;
    pod.spec.nodeName = 'node1';
    pod.status = { phase: 'Running' };
    expect(causesOf(pod, old)).toEqual([]);
  });

  it('passes an unchanged spec of any shape, shortcut or not (ephemeral containers take the replay)', () => {
    const shapes: ((p: Pod) => void)[] = [
      () => {},
      (p) => {
        p.spec.activeDeadlineSeconds = 30;
        p.spec.nodeName = 'node1';
        p.spec.tolerations = [{ key: 'a', operator: 'Exists' }];
      },
      (p) => {
        p.spec.terminationGracePeriodSeconds = -1;
        p.spec.initContainers = containers('init', 2);
        p.metadata.deletionTimestamp = '2026-01-01T00:01:00Z';
      },
      (p) => {
        p.spec.ephemeralContainers = [{ name: 'debug', image: 'busybox' }];
      },
    ];
    for (const shape of shapes) {
      const old = mutated(shape);
      const pod = structuredClone(old);
      (pod.spec as unknown as Record<string, unknown>).hostname = undefined; // absent and undefined are the same member
      pod.status = { phase: 'Running' };
      const errs = new FieldErrors();
      validatePodUpdate(pod, old, errs);
      expect(errs.causes).toEqual([]);
      pod.spec.restartPolicy = 'Never';
      const changed = new FieldErrors();
      validatePodUpdate(pod, old, changed);
      expect(changed.causes.map((c) => `${c.field}: ${c.message}`)).toEqual([`spec: Forbidden: ${POD_UPDATE_FORBIDDEN}`]);
    }
  });

  it('forbids other spec changes with the Kubernetes message', () => {
    const old = validPod();
    const pod = structuredClone(old);
    pod.spec.restartPolicy = 'Never';
    expect(causesOf(pod, old)).toEqual([`spec: Forbidden: ${POD_UPDATE_FORBIDDEN}`]);
  });

  it('forbids removing a toleration', () => {
    const old = validPod();
    old.spec.tolerations = [{ key: 'a', operator: 'Exists' }];
    const pod = structuredClone(old);
    pod.spec.tolerations = [];
    expect(causesOf(pod, old)).toEqual([`spec: Forbidden: ${POD_UPDATE_FORBIDDEN}`]);
  });

  it('keeps nodeName once set', () => {
    const old = validPod();
    old.spec.nodeName = 'node1';
    const pod = structuredClone(old);
    pod.spec.nodeName = 'node2';
    expect(causesOf(pod, old)).toEqual(['spec.nodeName: Invalid value: "node2": field is immutable']);
  });

  it('only lets activeDeadlineSeconds shrink', () => {
    const old = validPod();
    old.spec.activeDeadlineSeconds = 50;
    const pod = structuredClone(old);
    pod.spec.activeDeadlineSeconds = 60;
    expect(causesOf(pod, old)).toEqual(['spec.activeDeadlineSeconds: Invalid value: 60: must be less than or equal to previous value']);
  });

  it('lets a terminating pod change its grace period', () => {
    const old = validPod();
    const pod = structuredClone(old);
    pod.metadata.deletionTimestamp = '2026-01-01T00:01:00Z';
    pod.spec.terminationGracePeriodSeconds = 5;
    expect(causesOf(pod, old)).toEqual([]);
    delete pod.metadata.deletionTimestamp;
    expect(causesOf(pod, old)).toEqual([`spec: Forbidden: ${POD_UPDATE_FORBIDDEN}`]);
  });

  it('keeps name, namespace, uid and creationTimestamp immutable', () => {
    const old = validPod();
    const pod = structuredClone(old);
    pod.metadata.uid = 'u2';
    pod.metadata.creationTimestamp = '2027-01-01T00:00:00Z';
    expect(causesOf(pod, old)).toEqual([
      'metadata.uid: Invalid value: "u2": field is immutable',
      'metadata.creationTimestamp: Invalid value: "2027-01-01T00:00:00Z": field is immutable',
    ]);
  });

  it('refuses new finalizers once deletion started', () => {
    const old = validPod();
    old.metadata.deletionTimestamp = '2026-01-01T00:01:00Z';
    old.metadata.finalizers = ['example.com/a'];
    const pod = structuredClone(old);
    pod.metadata.finalizers = ['example.com/a', 'example.com/b'];
    expect(causesOf(pod, old)).toEqual([
      'metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"example.com/b"}',
    ]);
    pod.metadata.finalizers = [];
    expect(causesOf(pod, old)).toEqual([]);
  });
});
