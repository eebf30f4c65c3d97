import { FakeClock } from '@skiff/controller-kit';
import { runRuntimeContract } from '../runtime.case.test.js';
import { SimulatedRuntime } from './simulated-runtime.js';

runRuntimeContract('SimulatedRuntime', {
  image: 'busybox:1.36',
  // Every image is present on a simulated node, so there is no missing image to test.
  make: () => {
    const clock = new FakeClock();
    // The default one-second start delay stays on: the contract waits for `running` and lets the clock run.
    return { runtime: new SimulatedRuntime({ clock }), settle: () => clock.advance(1_000) };
  },
  unstartable: (rt) => {
    (rt as SimulatedRuntime).badCommands.add('no-such-binary');
    return ['no-such-binary'];
  },
});
