import type { Pod, Service } from '@skiff/api';
import { describe, expect, it } from 'vitest';
import { serviceEnv } from './service-env.js';

const svc = (name: string, namespace: string, clusterIP: string, ports: NonNullable<Service['spec']>['ports'] = [{ port: 80, protocol: 'TCP' }]): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace },
  spec: { clusterIP, ports },
});
const pod = (namespace: string, enableServiceLinks?: boolean): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace }, spec: { containers: [], ...(enableServiceLinks === undefined ? {} : { enableServiceLinks }) } });

const KUBERNETES = svc('kubernetes', 'default', '10.244.128.1', [{ name: 'https', port: 443, protocol: 'TCP' }]);

describe('serviceEnv', () => {
  it("gives kubelet's variables for the namespace's Services and the kubernetes Service", () => {
    const env = Object.fromEntries(serviceEnv(pod('shop'), [KUBERNETES, svc('web-api', 'shop', '10.244.128.20', [{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'dns', port: 53, protocol: 'UDP' }]), svc('other', 'elsewhere', '10.244.128.30')]).map((e) => [e.name, e.value]));
    expect(env).toEqual({
      KUBERNETES_SERVICE_HOST: '10.244.128.1',
      KUBERNETES_SERVICE_PORT: '443',
      KUBERNETES_SERVICE_PORT_HTTPS: '443',
      KUBERNETES_PORT: 'tcp://10.244.128.1:443',
      KUBERNETES_PORT_443_TCP: 'tcp://10.244.128.1:443',
      KUBERNETES_PORT_443_TCP_PROTO: 'tcp',
      KUBERNETES_PORT_443_TCP_PORT: '443',
      KUBERNETES_PORT_443_TCP_ADDR: '10.244.128.1',
      WEB_API_SERVICE_HOST: '10.244.128.20',
      WEB_API_SERVICE_PORT: '80',
      WEB_API_SERVICE_PORT_HTTP: '80',
      WEB_API_SERVICE_PORT_DNS: '53',
      WEB_API_PORT: 'tcp://10.244.128.20:80',
      WEB_API_PORT_80_TCP: 'tcp://10.244.128.20:80',
      WEB_API_PORT_80_TCP_PROTO: 'tcp',
      WEB_API_PORT_80_TCP_PORT: '80',
      WEB_API_PORT_80_TCP_ADDR: '10.244.128.20',
      WEB_API_PORT_53_UDP: 'udp://10.244.128.20:53',
      WEB_API_PORT_53_UDP_PROTO: 'udp',
      WEB_API_PORT_53_UDP_PORT: '53',
      WEB_API_PORT_53_UDP_ADDR: '10.244.128.20',
    });
  });

  it('leaves out headless Services, and with enableServiceLinks false keeps only the kubernetes Service', () => {
    const names = (p: Pod, list: Service[]) => serviceEnv(p, list).map((e) => e.name).filter((n) => n.endsWith('_SERVICE_HOST'));
    expect(names(pod('shop'), [KUBERNETES, svc('db', 'shop', 'None')])).toEqual(['KUBERNETES_SERVICE_HOST']);
    expect(names(pod('shop', false), [KUBERNETES, svc('web', 'shop', '10.244.128.20')])).toEqual(['KUBERNETES_SERVICE_HOST']);
  });
});
