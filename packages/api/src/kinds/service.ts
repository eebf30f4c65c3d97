/**
 * @module serviceKind: core/v1 Service. Create and update allocate the ClusterIP and node ports from the stored
 * Services (service-allocation/), so two Services never share one and a delete frees them.
 */
import type { z } from 'zod';
import { zod } from '../validation/zod.js';
import { servicePrinter } from '../printers/service-printer.js';
import { allocateServiceAddresses, HEADLESS, usesNodePorts } from '../service-allocation/allocate-service-addresses.js';
import { ipv4ToNumber } from '../service-allocation/service-ip-range.js';
import type { Service, ServicePort, ServiceType } from '../service.js';
import type { FieldErrors } from '../validation/field-errors.js';
import { objectMetaSchema } from '../validation/meta-schema.js';
import { isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, isValidPortName } from '../validation/name-rules.js';
import { atomicMap, enumString, int, intOrString, mapList, stringList, stringMap } from '../validation/schema-helpers.js';
import { defineKind, type KindContext } from './kind.js';
import { lazySchema } from '../validation/lazy-schema.js';

const servicePortSchema = lazySchema(() => zod.object({
  name: zod.string().optional(),
  // The published default lets a patch that leaves protocol out still find its element (merge key port+protocol).
  protocol: enumString<'TCP' | 'UDP' | 'SCTP'>().optional().meta({ default: 'TCP' }),
  appProtocol: zod.string().optional(),
  port: int().default(0),
  targetPort: intOrString().optional(),
  nodePort: int().optional(),
}) satisfies z.ZodType<ServicePort>);

/** serviceSchema decodes core/v1 Service. */
export const serviceSchema = lazySchema(() => zod.object({
  apiVersion: zod.literal('v1'),
  kind: zod.literal('Service'),
  metadata: objectMetaSchema().default({}),
  spec: zod
    .object({
      type: enumString<ServiceType>().optional(),
      selector: atomicMap(stringMap()).optional(),
      ports: mapList(servicePortSchema(), ['port', 'protocol']).optional(),
      clusterIP: zod.string().optional(),
      clusterIPs: stringList().optional(),
      ipFamilies: stringList().optional(),
      ipFamilyPolicy: zod.string().optional(),
      externalName: zod.string().optional(),
      externalIPs: stringList().optional(),
      sessionAffinity: enumString<'None' | 'ClientIP'>().optional(),
      sessionAffinityConfig: zod.object({ clientIP: zod.object({ timeoutSeconds: int().optional() }).optional() }).optional(),
      publishNotReadyAddresses: zod.boolean().optional(),
      externalTrafficPolicy: enumString<'Cluster' | 'Local'>().optional(),
      internalTrafficPolicy: enumString<'Cluster' | 'Local'>().optional(),
      healthCheckNodePort: int().optional(),
      allocateLoadBalancerNodePorts: zod.boolean().optional(),
      loadBalancerIP: zod.string().optional(),
    })
    .default({}),
  status: zod
    .object({
      loadBalancer: zod.object({ ingress: zod.array(zod.object({ ip: zod.string().optional(), hostname: zod.string().optional() })).optional() }).optional(),
      conditions: mapList(zod.unknown(), ['type']).optional(),
    })
    .optional(),
}) satisfies z.ZodType<Service>);

const TYPES: readonly ServiceType[] = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'];
const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];
/** Kubernetes' default and longest ClientIP affinity (3 hours; one day). */
const DEFAULT_AFFINITY_SECONDS = 10_800;
const MAX_AFFINITY_SECONDS = 86_400;

/** defaultService is SetDefaults_Service: type, affinity, protocols, targetPort = port, traffic policies. */
function defaultService(svc: Service): void {
  const spec = (svc.spec ??= {});
  spec.type ??= 'ClusterIP';
  spec.sessionAffinity ??= 'None';
  if (spec.sessionAffinity === 'ClientIP') {
    const clientIP = ((spec.sessionAffinityConfig ??= {}).clientIP ??= {});
    clientIP.timeoutSeconds ??= DEFAULT_AFFINITY_SECONDS;
  }
  for (const p of spec.ports ?? []) {
    p.protocol ??= 'TCP';
    if (p.targetPort === undefined || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
  }
  if (spec.type === 'ExternalName') return;
  spec.internalTrafficPolicy ??= 'Cluster';
  spec.ipFamilies ??= ['IPv4'];
  spec.ipFamilyPolicy ??= 'SingleStack';
  if (usesNodePorts(svc)) spec.externalTrafficPolicy ??= 'Cluster';
  if (spec.type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
}

function validPort(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= 65535;
}

function validatePorts(svc: Service, errs: FieldErrors): void {
  const spec = svc.spec!;
  const ports = spec.ports ?? [];
  const headless = spec.clusterIP === HEADLESS;
  if (ports.length === 0 && spec.type !== 'ExternalName' && !headless) errs.required('spec.ports');
  const names = new Set<string>();
  const seen = new Set<string>();
  ports.forEach((p, i) => {
    const path = `spec.ports[${i}]`;
    if (ports.length > 1 && !p.name) errs.required(`${path}.name`);
    if (p.name) {
      errs.each(`${path}.name`, p.name, isDNS1123Label(p.name));
      if (names.has(p.name)) errs.duplicate(`${path}.name`, p.name);
      names.add(p.name);
    }
    if (!validPort(p.port)) errs.invalid(`${path}.port`, p.port, 'must be between 1 and 65535, inclusive');
    if (p.protocol && !PROTOCOLS.includes(p.protocol)) errs.notSupported(`${path}.protocol`, p.protocol, PROTOCOLS);
    const key = `${p.port}/${p.protocol ?? 'TCP'}`;
    if (seen.has(key)) errs.duplicate(path, key);
    seen.add(key);
    if (typeof p.targetPort === 'number') {
      if (!validPort(p.targetPort)) errs.invalid(`${path}.targetPort`, p.targetPort, 'must be between 1 and 65535, inclusive');
    } else if (p.targetPort !== undefined) errs.each(`${path}.targetPort`, p.targetPort, isValidPortName(p.targetPort));
    if (p.nodePort) {
      if (!usesNodePorts(svc)) errs.forbidden(`${path}.nodePort`, `may not be used when \`type\` is '${spec.type}'`);
      else if (!validPort(p.nodePort)) errs.invalid(`${path}.nodePort`, p.nodePort, 'must be between 1 and 65535, inclusive');
    }
  });
}

/** validateService is the part of kube's ValidateService that Skiff's Services use. */
function validateService(svc: Service, errs: FieldErrors, old?: Service): void {
  const spec = svc.spec!;
  const type = spec.type ?? 'ClusterIP';
  if (!TYPES.includes(type)) errs.notSupported('spec.type', type, TYPES);
  const ip = spec.clusterIP ?? '';
  if (type === 'ExternalName') {
    if (ip) errs.forbidden('spec.clusterIP', 'may not be set for ExternalName services');
    if (!spec.externalName) errs.required('spec.externalName');
    else errs.each('spec.externalName', spec.externalName, isDNS1123Subdomain(spec.externalName.replace(/\.$/, '')));
  } else {
    if (ip && ip !== HEADLESS && ipv4ToNumber(ip) === undefined) errs.invalid('spec.clusterIPs[0]', ip, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)');
    if (ip && spec.clusterIPs?.[0] !== undefined && spec.clusterIPs[0] !== ip) errs.invalid('spec.clusterIPs', spec.clusterIPs, 'must match `clusterIP` when both are specified');
    if (ip === HEADLESS && usesNodePorts(svc)) errs.invalid('spec.clusterIPs[0]', ip, `may not be set to 'None' for ${type} services`);
    if (old && old.spec?.type !== 'ExternalName' && old.spec?.clusterIP && ip !== old.spec.clusterIP) errs.invalid('spec.clusterIPs[0]', ip, 'may not change once set');
  }
  validatePorts(svc, errs);
  if (spec.sessionAffinity && spec.sessionAffinity !== 'None' && spec.sessionAffinity !== 'ClientIP') errs.notSupported('spec.sessionAffinity', spec.sessionAffinity, ['ClientIP', 'None']);
  const timeout = spec.sessionAffinityConfig?.clientIP?.timeoutSeconds;
  if (timeout !== undefined && (timeout < 1 || timeout > MAX_AFFINITY_SECONDS)) {
    errs.invalid('spec.sessionAffinityConfig.clientIP.timeoutSeconds', timeout, `must be greater than 0 and less than ${MAX_AFFINITY_SECONDS}`);
  }
}

function allocate(svc: Service, ctx: KindContext, old?: Service): void {
  const ranges = { clusterIPs: ctx.options.serviceClusterIPRange, nodePorts: ctx.options.serviceNodePortRange };
  allocateServiceAddresses(svc, ctx.list('services') as unknown as Service[], ranges, Math.random, old);
}

export const serviceKind = defineKind<Service, 'services'>({
  group: '',
  version: 'v1',
  kind: 'Service',
  plural: 'services',
  namespaced: true,
  shortNames: ['svc'],
  categories: ['all'],
  hasStatus: true,
  schema: serviceSchema,
  // Service names become DNS labels (`web.default.svc`), so they must start with a letter.
  nameRule: isDNS1035Label,
  defaults: defaultService,
  validate: validateService,
  fields: { 'spec.clusterIP': (svc) => svc.spec?.clusterIP ?? '', 'spec.type': (svc) => svc.spec?.type ?? '' },
  printer: servicePrinter,
  strategy: {
    admit: (svc, ctx) => allocate(svc, ctx),
    admitUpdate: (svc, old, ctx) => allocate(svc, ctx, old),
  },
});
