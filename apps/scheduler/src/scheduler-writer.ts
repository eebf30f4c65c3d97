/**
 * @module SchedulerWriter: the scheduler's writes to the api-server, behind an interface so tests can fake them.
 */
import type { Binding, Event as CoreEvent, Pod, PodCondition } from '@skiff/api';
import type { Clientset } from '@skiff/client';

/** SchedulerWriter is every write the scheduler makes. Each call throws ApiError on failure. */
export interface SchedulerWriter {
  /** bind POSTs pods/binding; `annotations` are set on the pod in the same write, as kube's BindingREST does. */
  bind(pod: Pod, nodeName: string, annotations: Record<string, string>): Promise<void>;
  /** setPodScheduledFalse merges a PodScheduled condition into pods/status (strategic merge, by type). */
  setPodCondition(pod: Pod, condition: PodCondition): Promise<void>;
  /** annotate merge-patches metadata.annotations only, so it never conflicts with spec or status writers. */
  annotate(pod: Pod, annotations: Record<string, string>): Promise<void>;
  createEvent(event: CoreEvent): Promise<CoreEvent>;
  patchEvent(namespace: string, name: string, patch: Partial<CoreEvent>): Promise<void>;
}

/**
 * createApiWriter implements SchedulerWriter over a Clientset. The bind carries the decision annotation in the
 * Binding's metadata: the api-server copies Binding annotations onto the pod in the same commit that sets
 * spec.nodeName, so the explanation and the placement appear together and no second write can race the bind.
 */
export function createApiWriter(client: Clientset): SchedulerWriter {
  return {
    async bind(pod, nodeName, annotations) {
      const ns = pod.metadata.namespace ?? 'default';
      const name = pod.metadata.name ?? '';
      const binding: Binding = {
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name, namespace: ns, ...(pod.metadata.uid ? { uid: pod.metadata.uid } : {}), annotations },
        target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
      };
      await client.raw('POST', `/api/v1/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(name)}/binding`, binding);
    },
    async setPodCondition(pod, condition) {
      await client.pods.patch(pod.metadata.name ?? '', { status: { conditions: [condition] } }, { namespace: pod.metadata.namespace ?? 'default', type: 'strategic', subresource: 'status' });
    },
    async annotate(pod, annotations) {
      await client.pods.patch(pod.metadata.name ?? '', { metadata: { annotations } }, { namespace: pod.metadata.namespace ?? 'default', type: 'merge' });
    },
    createEvent(event) {
      return client.events.create(event, { namespace: event.metadata.namespace ?? 'default' });
    },
    async patchEvent(namespace, name, patch) {
      await client.events.patch(name, patch, { namespace, type: 'merge' });
    },
  };
}
