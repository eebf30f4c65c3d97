/**
 * @module nodeKind: core/v1 Node, cluster-scoped; the node agent registers it with its status, as kubelet does.
 */
import type { z } from 'zod';
import { zod } from '../validation/zod.js';
import type { Node, NodeAddress, NodeSystemInfo } from '../node.js';
import { nodePrinter } from '../printers/node-printer.js';
import type { FieldErrors } from '../validation/field-errors.js';
import { objectMetaSchema } from '../validation/meta-schema.js';
import { isQualifiedName, isValidLabelValue } from '../validation/name-rules.js';
import { int, int64, mapList, quantityMap, requiredEnum, setList, stringList } from '../validation/schema-helpers.js';
import { validateTaintEffect } from '../validation/validate-pod-spec.js';
import { defineKind } from './kind.js';
import { lazySchema } from '../validation/lazy-schema.js';

const nodeSystemInfo = lazySchema(() => zod.object({
  machineID: zod.string().default(''),
  systemUUID: zod.string().default(''),
  bootID: zod.string().default(''),
  kernelVersion: zod.string().default(''),
  osImage: zod.string().default(''),
  containerRuntimeVersion: zod.string().default(''),
  kubeletVersion: zod.string().default(''),
  kubeProxyVersion: zod.string().default(''),
  operatingSystem: zod.string().default(''),
  architecture: zod.string().default(''),
}) satisfies z.ZodType<NodeSystemInfo>);

/** nodeSchema decodes core/v1 Node. */
export const nodeSchema = lazySchema(() => zod.object({
  apiVersion: zod.literal('v1'),
  kind: zod.literal('Node'),
  metadata: objectMetaSchema().default({}),
  spec: zod
    .object({
      podCIDR: zod.string().optional(),
      podCIDRs: setList(zod.string()).optional(),
      providerID: zod.string().optional(),
      unschedulable: zod.boolean().optional(),
      taints: zod
        .array(
          zod.object({
            key: zod.string().default(''),
            value: zod.string().optional(),
            effect: requiredEnum<'NoSchedule' | 'PreferNoSchedule' | 'NoExecute'>(),
            timeAdded: zod.string().optional(),
          }),
        )
        .optional(),
    })
    .optional(),
  status: zod
    .object({
      capacity: quantityMap().optional(),
      allocatable: quantityMap().optional(),
      phase: zod.string().optional(),
      conditions: mapList(
        zod.object({
          type: zod.string().default(''),
          status: requiredEnum<'True' | 'False' | 'Unknown'>(),
          lastHeartbeatTime: zod.string().optional(),
          lastTransitionTime: zod.string().optional(),
          reason: zod.string().optional(),
          message: zod.string().optional(),
        }),
        ['type'],
      ).optional(),
      addresses: mapList(zod.object({ type: requiredEnum<NodeAddress['type']>(), address: zod.string().default('') }), ['type']).optional(),
      daemonEndpoints: zod.object({ kubeletEndpoint: zod.object({ Port: int().default(0) }).optional() }).optional(),
      nodeInfo: nodeSystemInfo().optional(),
      images: zod.array(zod.object({ names: stringList().optional(), sizeBytes: int64().optional() })).optional(),
    })
    .optional(),
}) satisfies z.ZodType<Node>);

/** defaultNode copies capacity into allocatable when the agent reports only capacity, as SetDefaults_NodeStatus does. */
function defaultNode(node: Node): void {
  const status = node.status;
  if (status?.capacity && !status.allocatable) status.allocatable = { ...status.capacity };
}

function validateNode(node: Node, errs: FieldErrors): void {
  const seen = new Set<string>();
  node.spec?.taints?.forEach((taint, i) => {
    const p = `spec.taints[${i}]`;
    if (!taint.key) errs.required(`${p}.key`);
    else errs.each(`${p}.key`, taint.key, isQualifiedName(taint.key));
    if (taint.value) errs.each(`${p}.value`, taint.value, isValidLabelValue(taint.value));
    if (!taint.effect) errs.required(`${p}.effect`);
    else validateTaintEffect(taint.effect, `${p}.effect`, errs);
    const id = `${taint.key}:${taint.effect}`;
    if (seen.has(id)) errs.duplicate(`${p}.effect`, taint.effect);
    seen.add(id);
  });
}

export const nodeKind = defineKind({
  group: '',
  version: 'v1',
  kind: 'Node',
  plural: 'nodes',
  namespaced: false,
  shortNames: ['no'],
  hasStatus: true,
  schema: nodeSchema,
  defaults: defaultNode,
  validate: (node, errs) => validateNode(node, errs),
  fields: { 'spec.unschedulable': (node: Node) => String(node.spec?.unschedulable === true) },
  printer: nodePrinter,
  // The agent creates its Node with status (addresses, capacity, conditions): keep it.
  strategy: { prepareForCreate: () => {} },
});
