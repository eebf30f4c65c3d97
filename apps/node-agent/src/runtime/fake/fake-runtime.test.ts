import { FakeClock } from '@skiff/controller-kit';
import { runRuntimeContract } from '../runtime.case.test.js';
import { FakeRuntime } from './fake-runtime.js';

runRuntimeContract('FakeRuntime', {
  image: 'busybox:1.36',
  missingImage: 'missing:1',
  make: () => ({ runtime: new FakeRuntime({ clock: new FakeClock(), images: ['busybox:1.36'] }), settle: () => undefined }),
  unstartable: (rt) => {
    (rt as FakeRuntime).badCommands.add('no-such-binary');
    return ['no-such-binary'];
  },
});
