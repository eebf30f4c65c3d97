/** The one Clock of Skiff lives in @skiff/api (the api-server uses it too); controller-kit re-exports it. */
export { FakeClock, realClock, sleep } from '@skiff/api';
export type { Clock, TimerHandle } from '@skiff/api';
