import type { Event as CoreEvent, Pod, PodCondition } from '@skiff/api';
import { ApiError } from '@skiff/api';
import type { SchedulerWriter } from '../scheduler-writer.js';

/** FakeWriter records every write; binds stay pending until the test settles them. */
export class FakeWriter implements SchedulerWriter {
  readonly binds: Array<{ pod: Pod; node: string; annotations: Record<string, string>; resolve: () => void; reject: (e: unknown) => void }> = [];
  readonly conditions: Array<{ pod: string; condition: PodCondition }> = [];
  readonly annotations: Array<{ pod: string; annotations: Record<string, string> }> = [];
  readonly events: CoreEvent[] = [];
  autoBind = false;

  bind(pod: Pod, node: string, annotations: Record<string, string>): Promise<void> {
    if (this.autoBind) {
      this.binds.push({ pod, node, annotations, resolve: () => {}, reject: () => {} });
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => this.binds.push({ pod, node, annotations, resolve, reject }));
  }
  async setPodCondition(pod: Pod, condition: PodCondition): Promise<void> {
    this.conditions.push({ pod: pod.metadata.name!, condition });
  }
  async annotate(pod: Pod, annotations: Record<string, string>): Promise<void> {
    this.annotations.push({ pod: pod.metadata.name!, annotations });
  }
  async createEvent(event: CoreEvent): Promise<CoreEvent> {
    this.events.push(event);
    return event;
  }
  async patchEvent(_ns: string, name: string, patch: Partial<CoreEvent>): Promise<void> {
    const ev = this.events.find((e) => e.metadata.name === name);
    if (ev) Object.assign(ev, patch);
  }
}

export const conflict = (): ApiError => new ApiError({ reason: 'Conflict', message: 'pod is already assigned' });
