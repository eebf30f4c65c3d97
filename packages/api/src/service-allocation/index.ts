export * from './allocate-service-addresses.js';
export * from './node-port-range.js';
export * from './pick-free-offset.js';
export * from './service-ip-range.js';
