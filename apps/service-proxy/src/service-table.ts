/**
 * @module ServiceTable: what the service proxy knows, built from watched Services and EndpointSlices: each
 * Service's ClusterIP and ports, and each port's ready endpoints.
 */
import { LABEL_SERVICE_NAME, type EndpointSlice, type Service } from '@skiff/api';

/** Backend is one endpoint address and port traffic may go to. */
export interface Backend {
  ip: string;
  port: number;
}

/** Frontend is one ClusterIP:port the proxy listens on, named by Service and port. */
export interface Frontend {
  ip: string;
  port: number;
  protocol: string;
  namespace: string;
  service: string;
  portName: string;
}

/** NamedEndpoint is a ready (or published) endpoint address with its optional DNS hostname. */
export interface NamedEndpoint {
  ip: string;
  hostname?: string;
}

const key = (namespace: string, name: string): string => `${namespace}/${name}`;

/**
 * ServiceTable keeps the latest Services and EndpointSlices by key; reads derive what the DNS server and the proxy
 * need, so an informer's events are applied by plain set/delete calls.
 */
export class ServiceTable {
  readonly #services = new Map<string, Service>();
  /** Slices by their own key, found per Service through the kubernetes.io/service-name label. */
  readonly #slices = new Map<string, EndpointSlice>();

  setService(svc: Service): void {
    this.#services.set(key(svc.metadata.namespace ?? '', svc.metadata.name ?? ''), svc);
  }

  deleteService(svc: Service): void {
    this.#services.delete(key(svc.metadata.namespace ?? '', svc.metadata.name ?? ''));
  }

  setSlice(slice: EndpointSlice): void {
    this.#slices.set(key(slice.metadata.namespace ?? '', slice.metadata.name ?? ''), slice);
  }

  deleteSlice(slice: EndpointSlice): void {
    this.#slices.delete(key(slice.metadata.namespace ?? '', slice.metadata.name ?? ''));
  }

  service(namespace: string, name: string): Service | undefined {
    return this.#services.get(key(namespace, name));
  }

  #slicesOf(svc: Service): EndpointSlice[] {
    const ns = svc.metadata.namespace ?? '';
    return [...this.#slices.values()].filter((s) => s.metadata.namespace === ns && s.metadata.labels?.[LABEL_SERVICE_NAME] === svc.metadata.name);
  }

  /**
   * endpoints lists the Service's usable endpoint addresses: ready ones, or with publishNotReadyAddresses every
   * one that is not terminating (what a headless name resolves to).
   */
  endpoints(namespace: string, name: string): NamedEndpoint[] {
    const svc = this.service(namespace, name);
    if (!svc) return [];
    const publish = svc.spec?.publishNotReadyAddresses === true;
    const seen = new Set<string>();
    const out: NamedEndpoint[] = [];
    for (const slice of this.#slicesOf(svc)) {
      for (const e of slice.endpoints ?? []) {
        const usable = publish ? !e.conditions?.terminating : e.conditions?.ready !== false;
        const ip = e.addresses[0];
        if (!usable || !ip || seen.has(ip)) continue;
        seen.add(ip);
        out.push({ ip, ...(e.hostname ? { hostname: e.hostname } : {}) });
      }
    }
    return out;
  }

  /** backends are the ready endpoints of one Service port, with the port each endpoint serves it on. */
  backends(namespace: string, name: string, portName: string): Backend[] {
    const svc = this.service(namespace, name);
    if (!svc) return [];
    const out: Backend[] = [];
    for (const slice of this.#slicesOf(svc)) {
      const port = (slice.ports ?? []).find((p) => (p.name ?? '') === portName)?.port;
      if (!port) continue;
      for (const e of slice.endpoints ?? []) {
        if (e.conditions?.ready === false) continue;
        for (const ip of e.addresses.slice(0, 1)) out.push({ ip, port });
      }
    }
    return out;
  }

  /** frontends are the ClusterIP:port pairs of every Service with an allocated address. */
  frontends(): Frontend[] {
    const out: Frontend[] = [];
    for (const svc of this.#services.values()) {
      const ip = svc.spec?.clusterIP;
      if (!ip || ip === 'None' || svc.spec?.type === 'ExternalName') continue;
      for (const p of svc.spec?.ports ?? []) {
        out.push({ ip, port: p.port, protocol: p.protocol ?? 'TCP', namespace: svc.metadata.namespace ?? '', service: svc.metadata.name ?? '', portName: p.name ?? '' });
      }
    }
    return out;
  }

  /** clusterIPs is the set of addresses the proxy must hold. */
  clusterIPs(): Set<string> {
    return new Set(this.frontends().map((f) => f.ip));
  }
}
