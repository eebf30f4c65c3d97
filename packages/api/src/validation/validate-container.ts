/**
 * @module Validation of one container: name, image, ports, env, resources, mounts, probes, enums.
 */
import type { Container, HTTPGetAction, PodSecurityContext, Probe, TCPSocketAction } from '../pod.js';
import { QUANTITY_FORMAT_ERROR, tryParseQuantity, type Quantity } from '../quantity.js';
import type { FieldErrors } from './field-errors.js';
import { isConfigMapKey } from './config-key.js';
import { isDNS1123Label, isDNS1123Subdomain, isEnvVarName, isQualifiedName, isValidPortName } from './name-rules.js';
import { validateLocalDescendingPath } from './validate-volume-source.js';

const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];
const MESSAGE_POLICIES = ['File', 'FallbackToLogsOnError'];
const STANDARD_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage', 'storage', 'pods']);
const PORT_RANGE = 'must be between 1 and 65535, inclusive';
/** core/validation IsValidUserID / IsValidGroupID: IDs are 0..MaxInt32 although the fields are int64. */
const ID_RANGE = 'must be between 0 and 2147483647, inclusive';
const MAX_ID = 2_147_483_647;

/** ContainerContext carries what a container is checked against: the pod's volume names. */
export interface ContainerContext {
  volumes: ReadonlySet<string>;
}

/** validateContainer checks one container at `path` (e.g. `spec.containers[0]`); name uniqueness is the pod's job. */
export function validateContainer(c: Container, path: string, ctx: ContainerContext, errs: FieldErrors): void {
  if (!c.name) errs.required(`${path}.name`);
  else errs.each(`${path}.name`, c.name, isDNS1123Label(c.name));
  if (!c.image) errs.required(`${path}.image`);
  else if (c.image.trim() !== c.image) errs.invalid(`${path}.image`, c.image, 'must not have leading or trailing whitespace');
  if (c.imagePullPolicy !== undefined && !PULL_POLICIES.includes(c.imagePullPolicy)) {
    errs.notSupported(`${path}.imagePullPolicy`, c.imagePullPolicy, PULL_POLICIES);
  }
  if (c.terminationMessagePolicy !== undefined && !MESSAGE_POLICIES.includes(c.terminationMessagePolicy)) {
    errs.notSupported(`${path}.terminationMessagePolicy`, c.terminationMessagePolicy, MESSAGE_POLICIES);
  }
  validatePorts(c, path, errs);
  validateSecurityContextIds(c.securityContext, `${path}.securityContext`, errs);
  validateEscalation(c.securityContext, `${path}.securityContext`, errs);
  validateEnv(c, path, errs);
  validateResources(c, `${path}.resources`, errs);
  validateMounts(c, path, ctx, errs);
  for (const kind of ['livenessProbe', 'readinessProbe', 'startupProbe'] as const) {
    const probe = c[kind];
    if (probe) validateProbe(probe, `${path}.${kind}`, kind !== 'readinessProbe', errs);
  }
  for (const hook of ['postStart', 'preStop'] as const) {
    const handler = c.lifecycle?.[hook];
    if (handler) validateHandler(handler, `${path}.lifecycle.${hook}`, errs);
  }
}

/** validateSecurityContextIds checks the user and group IDs of a pod's or a container's securityContext. */
export function validateSecurityContextIds(sc: PodSecurityContext | undefined, path: string, errs: FieldErrors): void {
  if (!sc) return;
  for (const f of ['runAsUser', 'runAsGroup', 'fsGroup'] as const) {
    const id = sc[f];
    if (id !== undefined && (id < 0 || id > MAX_ID)) errs.invalid(`${path}.${f}`, id, ID_RANGE);
  }
  sc.supplementalGroups?.forEach((id, i) => {
    if (id < 0 || id > MAX_ID) errs.invalid(`${path}.supplementalGroups[${i}]`, id, ID_RANGE);
  });
}

/**
 * validateEscalation refuses what kube's ValidateSecurityContext refuses: no_new_privs cannot hold for a privileged
 * container or one given CAP_SYS_ADMIN, so asking for both is a contradiction, not a setting.
 */
function validateEscalation(sc: Container['securityContext'], path: string, errs: FieldErrors): void {
  if (sc?.allowPrivilegeEscalation !== false) return;
  if (sc.privileged) errs.invalid(path, sc, 'cannot set `allowPrivilegeEscalation` to false and `privileged` to true');
  if (sc.capabilities?.add?.includes('CAP_SYS_ADMIN')) errs.invalid(path, sc, 'cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN');
}

function validatePorts(c: Container, path: string, errs: FieldErrors): void {
  const names = new Set<string>();
  c.ports?.forEach((port, i) => {
    const p = `${path}.ports[${i}]`;
    if (port.name !== undefined && port.name !== '') {
      errs.each(`${p}.name`, port.name, isValidPortName(port.name));
      if (names.has(port.name)) errs.duplicate(`${p}.name`, port.name);
      names.add(port.name);
    }
    if (port.containerPort === 0) errs.required(`${p}.containerPort`);
    else if (!inPortRange(port.containerPort)) errs.invalid(`${p}.containerPort`, port.containerPort, PORT_RANGE);
    if (port.hostPort !== undefined && port.hostPort !== 0 && !inPortRange(port.hostPort)) {
      errs.invalid(`${p}.hostPort`, port.hostPort, PORT_RANGE);
    }
    if (port.protocol === undefined || port.protocol === ('' as string)) errs.required(`${p}.protocol`);
    else if (!PROTOCOLS.includes(port.protocol)) errs.notSupported(`${p}.protocol`, port.protocol, PROTOCOLS);
  });
}

function validateEnv(c: Container, path: string, errs: FieldErrors): void {
  c.env?.forEach((env, i) => {
    const p = `${path}.env[${i}]`;
    if (!env.name) errs.required(`${p}.name`);
    else errs.each(`${p}.name`, env.name, isEnvVarName(env.name));
    if (!env.valueFrom) return;
    const sources = Object.values(env.valueFrom).filter((v) => v !== undefined).length;
    if (sources === 0) errs.invalid(`${p}.valueFrom`, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`');
    else if (sources > 1) errs.invalid(`${p}.valueFrom`, '', 'may not have more than one field specified at a time');
    if (env.value) errs.invalid(`${p}.valueFrom`, '', 'may not be specified when `value` is not empty');
    if (env.valueFrom.fieldRef && !env.valueFrom.fieldRef.fieldPath) errs.required(`${p}.valueFrom.fieldRef.fieldPath`);
    for (const [which, ref] of [['configMapKeyRef', env.valueFrom.configMapKeyRef], ['secretKeyRef', env.valueFrom.secretKeyRef]] as const) {
      if (!ref) continue;
      const rp = `${p}.valueFrom.${which}`;
      if (!ref.name) errs.required(`${rp}.name`);
      else errs.each(`${rp}.name`, ref.name, isDNS1123Subdomain(ref.name));
      if (!ref.key) errs.required(`${rp}.key`);
      else errs.each(`${rp}.key`, ref.key, isConfigMapKey(ref.key));
    }
  });
  c.envFrom?.forEach((from, i) => {
    const p = `${path}.envFrom[${i}]`;
    if (from.prefix) errs.each(`${p}.prefix`, from.prefix, isEnvVarName(from.prefix));
    const refs = [from.configMapRef && (['configMapRef', from.configMapRef] as const), from.secretRef && (['secretRef', from.secretRef] as const)].filter((r) => !!r);
    if (refs.length === 0) errs.invalid(p, '', 'must specify one of: `configMapRef` or `secretRef`');
    else if (refs.length > 1) errs.invalid(p, '', 'may not have more than one field specified at a time');
    for (const [which, ref] of refs) {
      if (!ref.name) errs.required(`${p}.${which}.name`);
      else errs.each(`${p}.${which}.name`, ref.name, isDNS1123Subdomain(ref.name));
    }
  });
}

/** validateResources checks resource names and quantities, and that each request fits its limit. */
export function validateResources(c: Container, path: string, errs: FieldErrors): void {
  const limits = new Map<string, Quantity>();
  for (const kind of ['limits', 'requests'] as const) {
    for (const [name, raw] of Object.entries(c.resources?.[kind] ?? {})) {
      const p = `${path}.${kind}[${name}]`;
      if (!STANDARD_RESOURCES.has(name) && !name.startsWith('hugepages-')) {
        const problems = isQualifiedName(name);
        if (problems.length > 0) errs.each(p, name, problems);
        else if (!name.includes('/')) errs.invalid(p, name, 'must be a standard resource type or fully qualified');
      }
      const q = tryParseQuantity(raw);
      if (!q) {
        errs.invalid(p, raw, QUANTITY_FORMAT_ERROR);
        continue;
      }
      if (q.sign() < 0) errs.invalid(p, q.toString(), 'must be greater than or equal to 0');
      if (kind === 'limits') {
        limits.set(name, q);
        continue;
      }
      const limit = limits.get(name);
      if (limit && q.cmp(limit) > 0) errs.invalid(p, q.toString(), `must be less than or equal to ${name} limit of ${limit.toString()}`);
    }
  }
}

function validateMounts(c: Container, path: string, ctx: ContainerContext, errs: FieldErrors): void {
  const paths = new Set<string>();
  c.volumeMounts?.forEach((m, i) => {
    const p = `${path}.volumeMounts[${i}]`;
    if (!m.name) errs.required(`${p}.name`);
    else if (!ctx.volumes.has(m.name)) errs.notFound(`${p}.name`, m.name);
    if (m.subPath) validateLocalDescendingPath(m.subPath, `${p}.subPath`, errs);
    if (m.subPathExpr) {
      if (m.subPath) errs.invalid(`${p}.subPathExpr`, m.subPathExpr, 'subPathExpr and subPath are mutually exclusive');
      validateLocalDescendingPath(m.subPathExpr, `${p}.subPathExpr`, errs);
    }
    if (!m.mountPath) errs.required(`${p}.mountPath`);
    else if (paths.has(m.mountPath)) errs.invalid(`${p}.mountPath`, m.mountPath, 'must be unique');
    paths.add(m.mountPath);
  });
}

/** validateProbe checks a probe: one handler, non-negative timings, and successThreshold 1 where kubelet requires it. */
function validateProbe(probe: Probe, path: string, mustSucceedOnce: boolean, errs: FieldErrors): void {
  validateHandler(probe, path, errs);
  for (const f of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold'] as const) {
    errs.nonNegative(`${path}.${f}`, probe[f]);
  }
  if (mustSucceedOnce && probe.successThreshold !== undefined && probe.successThreshold !== 1) {
    errs.invalid(`${path}.successThreshold`, probe.successThreshold, 'must be 1');
  }
  if (probe.terminationGracePeriodSeconds !== undefined && probe.terminationGracePeriodSeconds <= 0) {
    errs.invalid(`${path}.terminationGracePeriodSeconds`, probe.terminationGracePeriodSeconds, 'must be greater than 0');
  }
}

function validateHandler(h: { exec?: unknown; httpGet?: HTTPGetAction; tcpSocket?: TCPSocketAction }, path: string, errs: FieldErrors): void {
  const present = (['exec', 'httpGet', 'tcpSocket'] as const).filter((k) => h[k] !== undefined);
  if (present.length === 0) errs.required(path, 'must specify a handler type');
  for (const extra of present.slice(1)) errs.forbidden(`${path}.${extra}`, 'may not specify more than 1 handler type');
  if (h.httpGet) {
    validatePortRef(h.httpGet.port, `${path}.httpGet.port`, errs);
    const scheme = h.httpGet.scheme;
    if (scheme !== undefined && scheme !== 'HTTP' && scheme !== 'HTTPS') errs.notSupported(`${path}.httpGet.scheme`, scheme, ['HTTP', 'HTTPS']);
  }
  if (h.tcpSocket) validatePortRef(h.tcpSocket.port, `${path}.tcpSocket.port`, errs);
}

function validatePortRef(port: number | string, path: string, errs: FieldErrors): void {
  if (typeof port === 'number') {
    if (!inPortRange(port)) errs.invalid(path, port, PORT_RANGE);
  } else {
    errs.each(path, port, isValidPortName(port));
  }
}

function inPortRange(port: number): boolean {
  return Number.isInteger(port) && port >= 1 && port <= 65535;
}
