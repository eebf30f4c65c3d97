/** @module EventsView: the cluster's events as they happen, Warnings first. */
import { EventList, type KubeEvent } from './pod-detail.js';
import { useCollection } from './use-collection.js';

export function EventsView() {
  const events = useCollection<KubeEvent>('/api/v1/events');
  return (
    <section class="list" data-view="events">
      {events.error && <p class="error">{events.error}</p>}
      <EventList events={events.items} />
    </section>
  );
}
