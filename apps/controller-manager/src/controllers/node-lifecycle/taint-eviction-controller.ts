import { isNotFound, objectKey, type Pod } from '@skiff/api';
import {
  NODE_NAME_INDEX,
  RateLimitingQueue,
  realClock,
  runController,
  silentLogger,
  type Clock,
  type Logger,
  type ReconcileResult,
  type Reconciler,
} from '@skiff/controller-kit';
import type { ControllerClient } from '../../controller-client.js';
import type { ControllerInformers } from '../../informers.js';
import type { EventRecorder } from '../../util/event-recorder.js';
import { evictionDeadline } from './tolerations.js';

export interface TaintEvictionControllerOptions {
  informers: ControllerInformers;
  client: ControllerClient;
  recorder: EventRecorder;
  clock?: Clock;
  logger?: Logger;
}

/**
 * TaintEvictionController deletes pods from nodes with NoExecute taints they do not tolerate, or once their
 * tolerationSeconds run out, after kube's taint manager. Keys are pods; a pod whose toleration is still running is
 * requeued for when it ends, and a taint removed in the meantime makes that pass a no-op.
 */
export class TaintEvictionController implements Reconciler<string> {
  readonly queue: RateLimitingQueue<string>;
  readonly #informers: ControllerInformers;
  readonly #client: ControllerClient;
  readonly #recorder: EventRecorder;
  readonly #clock: Clock;
  readonly #log: Logger;

  constructor(opts: TaintEvictionControllerOptions) {
    this.#informers = opts.informers;
    this.#client = opts.client;
    this.#recorder = opts.recorder;
    this.#clock = opts.clock ?? realClock;
    this.#log = (opts.logger ?? silentLogger).child({ controller: 'taint-eviction' });
    this.queue = new RateLimitingQueue<string>({ name: 'taint-eviction', clock: this.#clock });
    const podChanged = (pod: Pod): void => {
      if (pod.spec.nodeName && !pod.metadata.deletionTimestamp) this.queue.add(objectKey(pod));
    };
    this.#informers.pods.addEventHandler({ onAdd: podChanged, onUpdate: (_o, p) => podChanged(p) });
    this.#informers.nodes.addEventHandler({
      onAdd: (node) => this.#enqueuePodsOn(node.metadata.name),
      onUpdate: (old, node) => {
        if (JSON.stringify(old.spec?.taints ?? []) !== JSON.stringify(node.spec?.taints ?? [])) this.#enqueuePodsOn(node.metadata.name);
      },
    });
  }

  run(signal: AbortSignal, workers = 5): Promise<void> {
    const i = this.#informers;
    return runController({ name: 'taint-eviction', queue: this.queue, reconciler: this, workers, signal, logger: this.#log, clock: this.#clock, waitFor: [i.pods, i.nodes] });
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const pod = this.#informers.pods.indexer.get(key);
    if (!pod?.spec.nodeName || pod.metadata.deletionTimestamp) return {};
    const node = this.#informers.nodes.indexer.get(pod.spec.nodeName);
    const taints = node?.spec?.taints ?? [];
    const now = this.#clock.now();
    const deadline = evictionDeadline(taints, pod.spec.tolerations ?? [], now);
    if (deadline === undefined) return {};
    if (deadline > now) return { requeueAfterMs: deadline - now };
    this.#recorder.event(pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${key}`);
    try {
      await this.#client.pods.delete(pod.metadata.name ?? '', { namespace: pod.metadata.namespace, preconditions: { uid: pod.metadata.uid } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    return {};
  }

  #enqueuePodsOn(nodeName: string | undefined): void {
    if (!nodeName) return;
    for (const pod of this.#informers.pods.indexer.byIndex(NODE_NAME_INDEX, nodeName)) this.queue.add(objectKey(pod));
  }
}
